/*
 * Live preview for the structured form editor (applications/editor/form_editor.html).
 * The editor works without this script: every button posts the form and the
 * server draws the editor and the preview again. With it, the preview follows
 * the author's typing: after a pause, the editor's fields are posted to the
 * preview endpoint and the fragment it returns replaces the preview; a polite
 * live region says it was updated, without reading the whole form aloud.
 */
(function () {
  "use strict";

  var DELAY = 600;

  function setup(form) {
    var url = form.getAttribute("data-preview-url");
    var target = document.getElementById("definition-preview");
    var status = document.getElementById("definition-preview-status");
    if (!url || !target) { return; }
    var timer = null;
    var latest = 0;

    function refresh() {
      var ticket = ++latest;
      var body = new FormData(form);
      fetch(url, {method: "POST", body: body, credentials: "same-origin",
                  headers: {"X-Requested-With": "fetch"}})
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          // An older answer arriving after a newer one must not replace it.
          if (html === null || ticket !== latest) { return; }
          target.innerHTML = html;
          if (status) {
            // Changing the text is what makes screen readers announce it again.
            status.textContent = "";
            window.setTimeout(function () { status.textContent = status.getAttribute("data-updated") || ""; }, 50);
          }
        })
        .catch(function () { /* offline or signed out: the round-trip buttons still work */ });
    }

    function schedule() {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(refresh, DELAY);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  }

  function init() {
    var forms = document.querySelectorAll("form[data-definition-editor]");
    for (var i = 0; i < forms.length; i++) { setup(forms[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
