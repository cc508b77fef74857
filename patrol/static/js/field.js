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
    if (form.getAttribute("data-gps-busy") === "1") return;  // a second tap does nothing
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) return;
    form.setAttribute("data-gps-busy", "1");
    var status = form.querySelector("[data-gps-progress]");
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.classList.add("is-busy");
    }
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
    showZone();
  }

  // The zone without a network: outline, position, accuracy circle and the distance to
  // the boundary, drawn as SVG from the zone's geometry (no map tiles needed). Mirrors
  // patrol/geofence.py closely enough for the screen; the server's verdict is the record.
  var EARTH_M = 6371008.8;
  var RAD = Math.PI / 180;
  var SVG = "http://www.w3.org/2000/svg";

  function zoneGeometry() {
    var host = document.querySelector("[data-zone-geometry]");
    if (!host) return null;
    try {
      return JSON.parse(host.getAttribute("data-zone-geometry"));
    } catch (e) {
      return null;
    }
  }

  function zoneCentre(geometry) {
    if (geometry.type === "Point") return [geometry.coordinates[1], geometry.coordinates[0]];
    var ring = geometry.coordinates[0];
    var lat = 0, lon = 0;
    for (var i = 0; i < ring.length; i++) { lat += ring[i][1]; lon += ring[i][0]; }
    return [lat / ring.length, lon / ring.length];
  }

  function planeAround(origin) {
    var k = Math.cos(origin[0] * RAD);
    return function (lat, lon) {
      return [(lon - origin[1]) * RAD * EARTH_M * k, -(lat - origin[0]) * RAD * EARTH_M];
    };
  }

  function segmentDistance(p, a, b) {
    var dx = b[0] - a[0], dy = b[1] - a[1];
    var t = dx || dy ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy) : 0;
    t = Math.max(0, Math.min(1, t));
    return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
  }

  // {inside, edge}: whether the point is in the zone and its distance (m) to the boundary.
  function boundary(geometry, lat, lon) {
    var project = planeAround(zoneCentre(geometry));
    var p = project(lat, lon);
    if (geometry.type === "Point") {
      var d = Math.hypot(p[0], p[1]);
      var r = geometry.properties.radius_m;
      return { inside: d <= r, edge: Math.abs(d - r) };
    }
    var ring = geometry.coordinates[0].map(function (c) { return project(c[1], c[0]); });
    var inside = false;
    var edge = Infinity;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i], b = ring[j];
      if ((a[1] > p[1]) !== (b[1] > p[1]) &&
          p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]) inside = !inside;
      edge = Math.min(edge, segmentDistance(p, a, b));
    }
    return { inside: inside, edge: edge };
  }

  function liveVerdict(geometry, fix) {
    if (!fix) return { status: "no_gps" };
    var b = boundary(geometry, fix.coords.latitude, fix.coords.longitude);
    var accuracy = fix.coords.accuracy;
    if (!(accuracy >= 0) || accuracy > 100 || b.edge < accuracy) {
      return { status: "uncertain", edge: b.edge, inside: b.inside };
    }
    return { status: b.inside ? "inside" : "outside", edge: b.edge, inside: b.inside };
  }

  function verdictText(host, verdict) {
    var key = "data-verdict-" + verdict.status.replace("_", "-");
    return (host.getAttribute(key) || "").replace("{m}", String(Math.round(verdict.edge || 0)));
  }

  function node(name, attrs) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { el.setAttribute(key, attrs[key]); });
    return el;
  }

  function drawZone(box, geometry, fix) {
    var project = planeAround(zoneCentre(geometry));
    var points = [];
    var shape;
    if (geometry.type === "Point") {
      var r = geometry.properties.radius_m;
      points = [[-r, -r], [r, r]];
      shape = node("circle", { cx: 0, cy: 0, r: r, "class": "sketch-zone" });
    } else {
      points = geometry.coordinates[0].map(function (c) { return project(c[1], c[0]); });
      shape = node("polygon", {
        points: points.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "),
        "class": "sketch-zone"
      });
    }
    var me = null;
    if (fix) {
      me = project(fix.coords.latitude, fix.coords.longitude);
      var acc = Math.max(fix.coords.accuracy || 0, 1);
      points = points.concat([[me[0] - acc, me[1] - acc], [me[0] + acc, me[1] + acc]]);
    }
    var xs = points.map(function (p) { return p[0]; });
    var ys = points.map(function (p) { return p[1]; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var pad = Math.max(maxX - minX, maxY - minY) * 0.08 + 5;
    var svg = node("svg", {
      viewBox: [minX - pad, minY - pad, maxX - minX + 2 * pad, maxY - minY + 2 * pad].map(function (v) {
        return v.toFixed(1);
      }).join(" "),
      "class": "zone-sketch-svg",
      preserveAspectRatio: "xMidYMid meet",
      "aria-hidden": "true",
      focusable: "false"
    });
    var unit = (Math.max(maxX - minX, maxY - minY) + 2 * pad) / 100;
    shape.setAttribute("stroke-width", (unit * 0.8).toFixed(2));
    svg.appendChild(shape);
    if (me) {
      svg.appendChild(node("circle", {
        cx: me[0].toFixed(1), cy: me[1].toFixed(1), r: Math.max(fix.coords.accuracy || 0, 1).toFixed(1),
        "class": "sketch-accuracy", "stroke-width": (unit * 0.5).toFixed(2)
      }));
      svg.appendChild(node("circle", {
        cx: me[0].toFixed(1), cy: me[1].toFixed(1), r: (unit * 2).toFixed(2), "class": "sketch-me",
        "stroke-width": (unit * 0.6).toFixed(2)
      }));
    }
    var holder = box.querySelector("[data-zone-sketch-svg]");
    holder.textContent = "";
    holder.appendChild(svg);
  }

  function showZone() {
    var geometry = zoneGeometry();
    if (!geometry) return;
    var verdict = liveVerdict(geometry, lastFix);
    var sketch = document.querySelector("[data-zone-sketch]");
    if (sketch) {
      drawZone(sketch, geometry, lastFix);
      var caption = sketch.querySelector("[data-zone-sketch-text]");
      if (caption) caption.textContent = verdictText(sketch, verdict);
    }
    // Before Simpan: the entry form says where the officer stands now.
    var lives = document.querySelectorAll("[data-live-geofence]");
    for (var i = 0; i < lives.length; i++) {
      lives[i].textContent = verdictText(lives[i], verdict);
      lives[i].className = "live-geofence verdict verdict-" + verdict.status;
    }
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

  // Photos are shrunk on the phone (longest side 1600 px, JPEG) as soon as they are
  // taken, so that a 12 MP photo becomes a few hundred KB before any upload starts.
  var PHOTO_SIDE = 1600;
  var PHOTO_QUALITY = 0.8;

  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
        return createImageBitmap(file);
      });
    }
    return new Promise(function (resolve, reject) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }

  // A Blob of the shrunk photo; the file itself when the browser cannot decode it (the
  // server then says why, or re-encodes it).
  function shrink(file) {
    return decode(file).then(function (image) {
      var scale = Math.min(1, PHOTO_SIDE / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(image.width * scale));
      canvas.height = Math.max(1, Math.round(image.height * scale));
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      if (image.close) image.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", PHOTO_QUALITY);
      });
    }).catch(function () { return file; });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-photo]")) return;
    var file = input.files && input.files[0];
    input.patroliPhoto = file ? shrink(file) : null;
  });

  window.PatroliPhoto = {
    // The shrunk photo chosen in a form (a Promise of a Blob), or null.
    of: function (form) {
      var input = form.querySelector("input[type=file][data-photo]");
      return input && input.files && input.files[0] ? (input.patroliPhoto || shrink(input.files[0])) : null;
    },
    shrink: shrink
  };

  // A count can be typed as well as stepped: a tap on the number selects it.
  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-stepper] input") && input.select) input.select();
  });

  // After an answer: a form with errors has its first wrong field focused; a saved entry
  // is brought into view.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt || document;
    var wrong = root.querySelector ? root.querySelector(".has-error input:not([type=hidden]), .has-error textarea") : null;
    if (wrong) {
      wrong.focus();
      wrong.scrollIntoView({ block: "center" });
      return;
    }
    var fresh = document.querySelector("#timeline .is-new");
    if (root.id !== "entry-panel") return;
    if (fresh && root.querySelector("#saved-message")) {
      fresh.scrollIntoView({ block: "center" });
      return;
    }
    // A form just opened: from its title down, so its choices and Simpan fit the screen.
    var opened = root.querySelector("form.entry-form");
    if (opened) opened.scrollIntoView({ block: "start" });
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
