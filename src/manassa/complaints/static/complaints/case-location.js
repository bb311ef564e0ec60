// Location of a case: "Use my location" (Geolocation API) and a click on the self-hosted map fill the
// latitude and longitude fields, which people can always type themselves. No request leaves the platform.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var lat = document.getElementById("case-lat");
    var long = document.getElementById("case-long");
    if (!lat || !long) { return; }
    var status = document.querySelector("[data-case-locate-status]");
    function say(key) { if (status) { status.textContent = status.getAttribute("data-" + key) || ""; } }
    function fill(la, lo) {
      lat.value = la.toFixed(6);
      long.value = lo.toFixed(6);
      lat.dispatchEvent(new Event("change"));
      say("done");
    }
    var button = document.querySelector("[data-case-locate]");
    if (button && "geolocation" in navigator) {
      button.hidden = false;
      button.addEventListener("click", function () {
        say("waiting");
        navigator.geolocation.getCurrentPosition(function (position) {
          fill(position.coords.latitude, position.coords.longitude);
        }, function () { say("failed"); }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
      });
    }
    var map = document.querySelector("[data-case-map]");
    if (!map) { return; }
    map.hidden = false;
    var svg = map.querySelector("svg");
    var pin = map.querySelector("[data-case-map-pin]");
    var latMin = parseFloat(map.getAttribute("data-lat-min")), latMax = parseFloat(map.getAttribute("data-lat-max"));
    var longMin = parseFloat(map.getAttribute("data-long-min")), longMax = parseFloat(map.getAttribute("data-long-max"));
    var box = svg.viewBox.baseVal;
    function place() {
      var la = parseFloat(lat.value), lo = parseFloat(long.value);
      if (isNaN(la) || isNaN(lo)) { return; }
      pin.setAttribute("cx", String((lo - longMin) / (longMax - longMin) * box.width));
      pin.setAttribute("cy", String((latMax - la) / (latMax - latMin) * box.height));
    }
    svg.addEventListener("click", function (event) {
      var rect = svg.getBoundingClientRect();
      var x = (event.clientX - rect.left) / rect.width, y = (event.clientY - rect.top) / rect.height;
      fill(latMax - y * (latMax - latMin), longMin + x * (longMax - longMin));
      place();
    });
    lat.addEventListener("change", place);
    long.addEventListener("change", place);
    place();
  });
})();
