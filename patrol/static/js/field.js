// Field logging on the officer's phone: GPS for visits and entries, client UUIDs,
// +/- steppers with the crowd level shown at once, and the fine field for fines.
// No inline code anywhere (CSP 'self'): texts come from data-* attributes.
(function () {
  "use strict";

  var GPS_OPTIONS = { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 };
  var WATCH_OPTIONS = { enableHighAccuracy: true, timeout: 15000, maximumAge: 5000 };
  var ERROR_NAMES = { 1: "denied", 2: "unavailable", 3: "timeout" };
  var lastFix = null;
  var lastError = null;
  var watchId = null;

  function text(el, key, metres) {
    var value = el.getAttribute("data-gps-" + key) || "";
    return metres === undefined ? value : value.replace("{m}", String(Math.round(metres)));
  }

  function fill(form, fix, error) {
    function set(name, value) {
      var input = form.querySelector('input[name="' + name + '"]');
      if (input) input.value = value;
    }
    if (fix) {
      set("lat", fix.coords.latitude);
      set("lon", fix.coords.longitude);
      set("accuracy", fix.coords.accuracy);
      set("gps_error", "");
    } else {
      set("lat", "");
      set("lon", "");
      set("accuracy", "");
      set("gps_error", error || "unavailable");
    }
  }

  // Start and end of a visit: take one fresh fix (15 s at most), show it, then submit.
  // No GPS never blocks the work: the form goes with the reason instead.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-gps-form")) return;
    if (form.getAttribute("data-gps-done") === "1") return;
    event.preventDefault();
    var status = form.querySelector("[data-gps-progress]");
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    if (status) status.textContent = text(form, "taking");
    function send(fix, error) {
      fill(form, fix, error);
      if (status) {
        status.textContent = fix ? text(form, "accuracy", fix.coords.accuracy) : text(form, error);
      }
      form.setAttribute("data-gps-done", "1");
      // The outbox (outbox.js) may take the form instead when there is no network.
      var ready = new CustomEvent("patroli:gps-ready", { bubbles: true, cancelable: true });
      if (form.dispatchEvent(ready)) form.submit();
    }
    if (!navigator.geolocation) {
      send(null, "unsupported");
      return;
    }
    navigator.geolocation.getCurrentPosition(
      function (fix) { send(fix, null); },
      function (error) { send(null, ERROR_NAMES[error.code] || "unavailable"); },
      GPS_OPTIONS
    );
  }, true);

  // Entries in a visit: the latest fix from a watch goes along with each htmx form.
  // Capture phase: runs before htmx reads the form's values.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-gps-entry")) return;
    fill(form, lastFix, lastFix ? null : (lastError || "unavailable"));
  }, true);

  function showWatchStatus() {
    var host = document.querySelector("[data-gps-watch]");
    var status = document.getElementById("gps-status");
    if (!host || !status) return;
    if (lastFix) status.textContent = text(host, "accuracy", lastFix.coords.accuracy);
    else if (lastError) status.textContent = text(host, lastError);
    else status.textContent = text(host, "waiting");
    status.className = "gps-status" + (lastFix ? " gps-ok" : lastError ? " gps-bad" : "");
  }

  function startWatch() {
    if (watchId !== null || !document.querySelector("[data-gps-watch]")) return;
    if (!navigator.geolocation) {
      lastError = "unsupported";
      showWatchStatus();
      return;
    }
    watchId = navigator.geolocation.watchPosition(
      function (fix) { lastFix = fix; lastError = null; showWatchStatus(); },
      function (error) {
        // A timeout keeps an older fix; a refusal drops it.
        if (error.code === 1) lastFix = null;
        if (!lastFix) lastError = ERROR_NAMES[error.code] || "unavailable";
        showWatchStatus();
      },
      WATCH_OPTIONS
    );
  }

  function newUuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    return null;
  }

  function clamp(input, value) {
    var min = parseInt(input.getAttribute("min") || "0", 10);
    var max = parseInt(input.getAttribute("max") || "10000", 10);
    return Math.max(min, Math.min(max, value));
  }

  // Mirrors patrol/crowd.py: integer arithmetic so that both agree at the thresholds.
  function crowdLevel(headcount, capacity, busy, over) {
    if (capacity <= 0) return headcount === 0 ? "quiet" : "busy";
    if (headcount * 100 > capacity * over) return "over";
    if (headcount * 100 >= capacity * busy) return "busy";
    return "quiet";
  }

  function showLevel(input) {
    if (!input.hasAttribute("data-capacity")) return;
    var box = document.getElementById("crowd-level");
    if (!box) return;
    var value = parseInt(input.value, 10);
    var label = box.querySelector("[data-level-text]");
    box.classList.remove("level-quiet", "level-busy", "level-over");
    if (isNaN(value)) {
      label.textContent = "–";
      return;
    }
    var level = crowdLevel(
      value,
      parseInt(input.getAttribute("data-capacity"), 10),
      parseInt(input.getAttribute("data-busy"), 10),
      parseInt(input.getAttribute("data-over"), 10)
    );
    box.classList.add("level-" + level);
    label.textContent = box.getAttribute("data-label-" + level);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-step]") : null;
    if (!button) return;
    var stepper = button.closest("[data-stepper]");
    var input = stepper && stepper.querySelector("input");
    if (!input) return;
    var current = parseInt(input.value, 10);
    if (isNaN(current)) current = 0;
    input.value = clamp(input, current + parseInt(button.getAttribute("data-step"), 10));
    showLevel(input);
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-stepper] input")) {
      showLevel(event.target);
    }
  });

  // A fine asks for its amount (prefilled with the rule's default); other actions hide it.
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches || !radio.matches('input[type=radio][name="action"]')) return;
    var form = radio.form;
    var fine = form && form.querySelector("[data-fine-field]");
    if (!fine) return;
    var input = fine.querySelector("input");
    if (radio.hasAttribute("data-requires-amount")) {
      fine.hidden = false;
      if (!input.value) input.value = radio.getAttribute("data-default-amount") || "";
    } else {
      fine.hidden = true;
      input.value = "";
    }
  });

  // A photo over the limit is refused on the phone already, before a slow upload.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var file = input.files && input.files[0];
    var tooBig = file && file.size > parseInt(input.getAttribute("data-max-bytes"), 10);
    input.setCustomValidity(tooBig ? input.getAttribute("data-too-big") : "");
    if (tooBig) input.reportValidity();
  });

  function prepare(root) {
    // A fresh form gets the browser's own UUID; a re-rendered one keeps the one it had,
    // so that tapping Simpan again cannot make a second record.
    var fresh = root.querySelectorAll("input[data-client-uuid][data-fresh]");
    for (var i = 0; i < fresh.length; i++) {
      var id = newUuid();
      if (id) fresh[i].value = id;
      fresh[i].removeAttribute("data-fresh");
    }
    startWatch();
    showWatchStatus();
  }

  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  document.addEventListener("htmx:load", function (event) { prepare(event.detail.elt); });
})();
