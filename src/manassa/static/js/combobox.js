/*
 * Search-as-you-type combobox (WAI-ARIA 1.2 combobox with a listbox popup).
 * htmx fills the listbox; this script adds the keyboard and screen-reader
 * behaviour. Without JavaScript the form still submits to the results page.
 */
(function () {
  "use strict";

  function setup(form) {
    var input = form.querySelector('[role="combobox"]');
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var status = form.querySelector("[data-combobox-status]");
    var active = -1;

    function options() {
      return Array.prototype.slice.call(list.querySelectorAll('[role="option"]:not([aria-disabled="true"])'));
    }

    function open() {
      var count = options().length;
      var hasItems = list.children.length > 0 && input.value.trim().length >= 2;
      list.classList.toggle("hidden", !hasItems);
      input.setAttribute("aria-expanded", hasItems ? "true" : "false");
      if (status) {
        status.textContent = hasItems ? (list.dataset.countLabel || "") + " " + count : "";
      }
    }

    function close() {
      list.classList.add("hidden");
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = options();
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
        item.classList.toggle("bg-primary-50", i === active);
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function choose(item) {
      if (item && item.dataset.href) { window.location.assign(item.dataset.href); }
    }

    input.addEventListener("keydown", function (event) {
      var expanded = input.getAttribute("aria-expanded") === "true";
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!expanded) { open(); }
        highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (!expanded) { open(); }
        highlight(active - 1);
      } else if (event.key === "Enter" && expanded && active >= 0) {
        event.preventDefault();
        choose(options()[active]);
      } else if (event.key === "Escape") {
        if (expanded) { event.preventDefault(); close(); } else { input.value = ""; }
      }
    });
    input.addEventListener("input", function () { active = -1; input.removeAttribute("aria-activedescendant"); });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest('[role="option"]');
      if (item) { event.preventDefault(); choose(item); }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === list) { active = -1; open(); }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-combobox]"), setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
