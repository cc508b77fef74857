// Officer SOS: hold the button for data-hold-ms to send an alert with the phone's GPS.
// A held press (not a tap) keeps a pocket or a slip from raising a false alarm.
(function () {
  "use strict";
  var box = document.querySelector(".sos[data-sos-url]");
  if (!box) return;
  var button = box.querySelector("#sos-button");
  var status = box.querySelector("#sos-status");
  var holdMs = parseInt(box.getAttribute("data-hold-ms"), 10) || 2000;
  var timer = null;
  var sending = false;

  function say(key) {
    status.textContent = status.getAttribute("data-msg-" + key) || "";
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "sos-" + Date.now() + "-" + Math.random().toString(16).slice(2, 10);
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function post(body, attempt) {
    return fetch(box.getAttribute("data-sos-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("status " + response.status);
      say("sent");
      box.classList.add("sos-sent");
    }).catch(function () {
      // The same uuid on every retry: the server keeps one alert however often it arrives.
      if (attempt < 5) {
        setTimeout(function () { post(body, attempt + 1); }, 3000 * attempt);
      } else {
        say("failed");
      }
    });
  }

  function send() {
    sending = true;
    say("sending");
    var body = { uuid: newUuid() };
    var done = false;
    function go() {
      if (done) return;
      done = true;
      post(body, 1).then(function () { sending = false; });
    }
    if (!navigator.geolocation) return go();
    // Send without GPS rather than wait long: help matters more than precision.
    setTimeout(go, 5000);
    navigator.geolocation.getCurrentPosition(function (position) {
      body.lat = position.coords.latitude;
      body.lon = position.coords.longitude;
      body.accuracy_m = position.coords.accuracy;
      go();
    }, go, { enableHighAccuracy: true, timeout: 5000, maximumAge: 30000 });
  }

  function start(event) {
    if (sending || timer) return;
    if (event.type === "touchstart") event.preventDefault();
    box.classList.add("sos-holding");
    say("holding");
    timer = setTimeout(function () {
      timer = null;
      box.classList.remove("sos-holding");
      send();
    }, holdMs);
  }

  function cancel() {
    if (!timer) return;
    clearTimeout(timer);
    timer = null;
    box.classList.remove("sos-holding");
    status.textContent = "";
  }

  button.addEventListener("mousedown", start);
  button.addEventListener("touchstart", start, { passive: false });
  button.addEventListener("keydown", function (event) {
    if ((event.key === " " || event.key === "Enter") && !event.repeat) start(event);
  });
  ["mouseup", "mouseleave", "touchend", "touchcancel", "keyup", "blur"].forEach(function (name) {
    button.addEventListener(name, cancel);
  });
})();
