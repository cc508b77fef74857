// Checkpoints: the officer scans a QR sticker (camera) or an NFC tag during a visit; the
// admin places checkpoints on the zone's map and writes NFC tags. Texts and URLs come in
// data-* attributes (the CSP allows no inline script). QR decoding uses the browser's
// BarcodeDetector where it can read QR codes, else the vendored jsQR on camera frames.
(function () {
  "use strict";

  // Officer: scanning -------------------------------------------------------------------

  var scanner = null; // { form, stream, timer, detector, canvas }

  function say(form, key) {
    var status = form.querySelector("[data-scan-status]");
    if (status) status.textContent = form.getAttribute("data-msg-" + key) || "";
  }

  // A sticker carries the bare token; a URL ending in /t/<token> is accepted too.
  function tokenFrom(text) {
    var value = String(text || "").trim();
    var match = value.match(/\/t\/([A-Za-z0-9_-]+)\/?$/);
    return match ? match[1] : value;
  }

  function submitToken(form, raw) {
    var token = tokenFrom(raw);
    if (!token) return;
    stopCamera();
    say(form, "found");
    form.querySelector("[data-scan-token]").value = token;
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  function stopCamera() {
    if (!scanner) return;
    if (scanner.timer) window.clearTimeout(scanner.timer);
    if (scanner.stream) scanner.stream.getTracks().forEach(function (t) { t.stop(); });
    var box = scanner.form.querySelector("[data-scanner]");
    if (box) box.hidden = true;
    scanner = null;
  }

  function loadJsQr(form) {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = form.getAttribute("data-jsqr-src");
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  // BarcodeDetector only where it really reads QR codes (it needs platform support).
  function nativeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        return formats.indexOf("qr_code") >= 0
          ? new window.BarcodeDetector({ formats: ["qr_code"] })
          : null;
      })
      .catch(function () { return null; });
  }

  function decodeFrame(state, video) {
    if (state.detector) {
      return state.detector.detect(video).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      });
    }
    var width = video.videoWidth;
    var height = video.videoHeight;
    if (!width || !height) return Promise.resolve(null);
    var canvas = state.canvas;
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    var image = context.getImageData(0, 0, width, height);
    var code = window.jsQR(image.data, width, height, { inversionAttempts: "attemptBoth" });
    return Promise.resolve(code ? code.data : null);
  }

  function loop(state, video) {
    if (scanner !== state) return;
    decodeFrame(state, video)
      .then(function (text) {
        if (scanner !== state) return;
        if (text) submitToken(state.form, text);
        else state.timer = window.setTimeout(function () { loop(state, video); }, 200);
      })
      .catch(function () {
        if (scanner === state) state.timer = window.setTimeout(function () { loop(state, video); }, 400);
      });
  }

  function startCamera(form) {
    stopCamera();
    var box = form.querySelector("[data-scanner]");
    var video = form.querySelector("[data-scanner-video]");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(form, "no-camera");
      return;
    }
    say(form, "starting");
    var state = { form: form, stream: null, timer: null, detector: null,
                  canvas: document.createElement("canvas") };
    scanner = state;
    Promise.all([
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }),
      nativeDetector(),
    ])
      .then(function (results) {
        state.stream = results[0];
        state.detector = results[1];
        if (scanner !== state) {
          state.stream.getTracks().forEach(function (t) { t.stop(); });
          return null;
        }
        return state.detector ? null : loadJsQr(form);
      })
      .then(function () {
        if (scanner !== state) return;
        box.hidden = false;
        video.srcObject = state.stream;
        return video.play().then(function () {
          say(form, "aim");
          loop(state, video);
        });
      })
      .catch(function () {
        stopCamera();
        say(form, "no-camera");
      });
  }

  function readNfc(form) {
    if (!("NDEFReader" in window)) {
      form.querySelector("[data-nfc-missing]").hidden = false;
      return;
    }
    var reader = new window.NDEFReader();
    say(form, "nfc-wait");
    reader.scan().then(function () {
      reader.onreading = function (event) {
        var records = event.message.records;
        for (var i = 0; i < records.length; i++) {
          var rec = records[i];
          if (rec.recordType === "text" || rec.recordType === "url") {
            var decoder = new TextDecoder(rec.encoding || "utf-8");
            submitToken(form, decoder.decode(rec.data));
            return;
          }
        }
        say(form, "nfc-error");
      };
      reader.onreadingerror = function () { say(form, "nfc-error"); };
    }).catch(function () { say(form, "nfc-error"); });
  }

  // Admin: writing a tag ---------------------------------------------------------------

  function writeNfc(button) {
    var status = document.getElementById(button.getAttribute("aria-describedby"));
    function show(key) {
      if (status) status.textContent = button.getAttribute("data-msg-" + key) || "";
    }
    if (!("NDEFReader" in window)) {
      show("missing");
      return;
    }
    show("wait");
    new window.NDEFReader()
      .write({ records: [{ recordType: "text", data: button.getAttribute("data-nfc-write") }] })
      .then(function () { show("done"); })
      .catch(function () { show("error"); });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var qr = target.closest("[data-scan-qr]");
    var nfc = target.closest("[data-scan-nfc]");
    var stop = target.closest("[data-scan-stop]");
    var write = target.closest("[data-nfc-write]");
    if (target.closest("[data-sticker-print]")) window.print();
    else if (qr) startCamera(qr.closest("form"));
    else if (nfc) readNfc(nfc.closest("form"));
    else if (stop) stopCamera();
    else if (write) writeNfc(write);
  });

  // The card is swapped by htmx after a scan: a camera left open must not keep running.
  document.addEventListener("htmx:beforeSwap", function () { stopCamera(); });

  // Admin: the zone's map --------------------------------------------------------------

  function round6(x) { return Math.round(x * 1e6) / 1e6; }

  function initMap(el) {
    if (!window.L) return;
    var form = document.getElementById(el.getAttribute("data-form"));
    var latField = form.querySelector("[name=lat]");
    var lonField = form.querySelector("[name=lon]");
    var status = document.getElementById("map-status");
    var centre = [parseFloat(el.getAttribute("data-lat")), parseFloat(el.getAttribute("data-lon"))];
    var map = L.map(el).setView(centre, 17);
    var url = el.getAttribute("data-tile-url");
    if (url) {
      var tiles = L.tileLayer(url, { maxZoom: 19, attribution: el.getAttribute("data-attribution") || "" });
      tiles.on("tileerror", function () {
        var warn = document.getElementById("tile-error");
        if (warn) warn.hidden = false;
      });
      tiles.addTo(map);
    }
    var geometry = JSON.parse(el.getAttribute("data-geometry") || "null");
    if (geometry && geometry.type === "Point") {
      var c = geometry.coordinates;
      L.circle([c[1], c[0]], { radius: geometry.properties.radius_m }).addTo(map);
    } else if (geometry && geometry.type === "Polygon") {
      L.polygon(geometry.coordinates[0].map(function (p) { return [p[1], p[0]]; })).addTo(map);
    }
    var radius = parseFloat(el.getAttribute("data-radius")) || 30;
    document.querySelectorAll("[data-checkpoint]").forEach(function (item) {
      var lat = parseFloat(item.getAttribute("data-lat"));
      var lon = parseFloat(item.getAttribute("data-lon"));
      L.circle([lat, lon], { radius: radius, color: "#b45309" }).addTo(map);
      L.marker([lat, lon], { title: item.getAttribute("data-name"), alt: item.getAttribute("data-name") })
        .addTo(map);
    });
    var pending = null;
    function place(lat, lon) {
      latField.value = round6(lat);
      lonField.value = round6(lon);
      if (pending) map.removeLayer(pending);
      pending = L.circle([lat, lon], { radius: radius, color: "#0b3d91" }).addTo(map);
      if (status) {
        status.textContent = (el.getAttribute("data-msg-placed") || "")
          .replace("{lat}", latField.value).replace("{lon}", lonField.value);
      }
    }
    map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("checkpoint-map");
    if (el) initMap(el);
  });
})();
