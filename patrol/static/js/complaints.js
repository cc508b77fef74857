// Public complaints (aduan warga): the resident's form (place by GPS, a pin or a park; the
// photo shrunk before sending), codes remembered on the phone, and the admins' board map.
// No inline code (CSP 'self'): texts and settings come from data-* attributes.
(function () {
  "use strict";

  var STORE_KEY = "patroli-aduan";
  var PHOTO_MAX_SIDE = 1600;
  var PHOTO_QUALITY = 0.8;

  function msg(el, key, values) {
    var text = el.getAttribute("data-msg-" + key) || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("{" + name + "}", String(values[name]));
    });
    return text;
  }

  // Codes filed from this phone -------------------------------------------------------

  function remembered() {
    try {
      var list = JSON.parse(window.localStorage.getItem(STORE_KEY) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  function remember(code, label) {
    var list = remembered().filter(function (item) { return item.code !== code; });
    list.unshift({ code: code, label: label, at: new Date().toISOString() });
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(list.slice(0, 10)));
    } catch (e) { /* private mode or full: the code stays on the screen */ }
  }

  function showRemembered() {
    var box = document.querySelector("[data-my-complaints]");
    var list = document.querySelector("[data-my-complaints-list]");
    if (!box || !list) return;
    var items = remembered();
    if (!items.length) return;
    var template = list.getAttribute("data-track-url");
    items.forEach(function (item) {
      if (!/^[A-Z0-9]{6,16}$/.test(item.code)) return;
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = template.replace("CODE", item.code);
      a.textContent = item.code + (item.label ? " · " + item.label : "");
      li.appendChild(a);
      list.appendChild(li);
    });
    box.hidden = false;
  }

  // The form: where ----------------------------------------------------------------------

  function placeInput(form, name) {
    return form.querySelector('[data-place="' + name + '"]');
  }

  function setPlace(form, source, lat, lon, accuracy, text) {
    placeInput(form, "source").value = source;
    placeInput(form, "lat").value = lat === null ? "" : lat.toFixed(6);
    placeInput(form, "lon").value = lon === null ? "" : lon.toFixed(6);
    placeInput(form, "accuracy").value = accuracy === null ? "" : Math.round(accuracy);
    if (source !== "park") placeInput(form, "park").value = "";
    var status = form.querySelector("[data-place-status]");
    if (status) status.textContent = text;
  }

  function useGps(form) {
    var status = form.querySelector("[data-place-status]");
    if (!navigator.geolocation) {
      status.textContent = msg(form, "gps-fail");
      return;
    }
    status.textContent = msg(form, "gps-wait");
    navigator.geolocation.getCurrentPosition(
      function (fix) {
        var c = fix.coords;
        setPlace(form, "gps", c.latitude, c.longitude, c.accuracy,
          msg(form, "gps-ok", { m: Math.round(c.accuracy) }));
        if (form._pin) form._pin(c.latitude, c.longitude);
      },
      function () { status.textContent = msg(form, "gps-fail"); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  // Leaflet is loaded only when the resident asks for the map: a slow network pays for
  // the form alone.
  function loadLeaflet(button, done) {
    if (window.L) { done(); return; }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = button.getAttribute("data-leaflet-css");
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = button.getAttribute("data-leaflet-js");
    script.onload = done;
    document.head.appendChild(script);
  }

  function showMap(form, button) {
    var box = form.querySelector("[data-pin-map]");
    if (!box || box.getAttribute("data-ready")) return;
    loadLeaflet(button, function () {
      box.hidden = false;
      box.setAttribute("data-ready", "1");
      var b = box.getAttribute("data-bounds").split(",").map(Number);
      var bounds = L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
      var map = L.map(box, { maxBounds: bounds.pad(0.1) });
      L.tileLayer(box.getAttribute("data-tiles"), {
        maxZoom: 19, attribution: "&copy; OpenStreetMap"
      }).addTo(map);
      var marker = null;
      form._pin = function (lat, lon) {
        if (marker) marker.setLatLng([lat, lon]);
        else marker = L.marker([lat, lon]).addTo(map);
        map.setView([lat, lon], Math.max(map.getZoom() || 16, 16));
      };
      var lat = parseFloat(placeInput(form, "lat").value);
      var lon = parseFloat(placeInput(form, "lon").value);
      if (isFinite(lat) && isFinite(lon)) form._pin(lat, lon);
      else map.fitBounds(bounds);
      map.on("click", function (event) {
        form._pin(event.latlng.lat, event.latlng.lng);
        setPlace(form, "pin", event.latlng.lat, event.latlng.lng, null, msg(form, "pin"));
      });
    });
  }

  // The form: the photo, shrunk on the phone ------------------------------------------------

  function shrinkPhoto(form, input) {
    var file = input.files && input.files[0];
    var status = form.querySelector("[data-photo-status]");
    if (!file || !window.createImageBitmap || !window.DataTransfer) return;
    status.textContent = msg(form, "photo-wait");
    form.setAttribute("data-busy", "1");
    createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        form.removeAttribute("data-busy");
        if (!blob) { status.textContent = ""; return; }
        var small = new File([blob], "foto.jpg", { type: "image/jpeg" });
        var transfer = new DataTransfer();
        transfer.items.add(small);
        input.files = transfer.files;
        status.textContent = msg(form, "photo-ok", { kb: Math.round(blob.size / 1024) });
      }, "image/jpeg", PHOTO_QUALITY);
    }).catch(function () {
      // Not an image the browser can read: the server says so in words.
      form.removeAttribute("data-busy");
      status.textContent = "";
    });
  }

  function initForm(form) {
    var gps = form.querySelector("[data-use-gps]");
    var mapButton = form.querySelector("[data-show-map]");
    var park = placeInput(form, "park");
    if (gps && navigator.geolocation) {
      gps.hidden = false;
      gps.addEventListener("click", function () { useGps(form); });
    }
    if (mapButton) {
      mapButton.hidden = false;
      mapButton.addEventListener("click", function () { showMap(form, mapButton); });
    }
    park.addEventListener("change", function () {
      if (park.value) {
        placeInput(form, "source").value = "park";
        placeInput(form, "lat").value = "";
        placeInput(form, "lon").value = "";
        placeInput(form, "accuracy").value = "";
        form.querySelector("[data-place-status]").textContent = msg(form, "park");
      }
    });
    var photo = form.querySelector("[data-shrink-photo]");
    if (photo) {
      // Setting input.files from script fires no change event: no loop.
      photo.addEventListener("change", function () { shrinkPhoto(form, photo); });
    }
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-busy")) { event.preventDefault(); return; }
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      var button = form.querySelector("button[type=submit]");
      if (button) button.setAttribute("aria-busy", "true");
      var sending = form.querySelector("[data-sending]");
      if (sending) sending.textContent = msg(form, "sending");
    });
  }

  // The admins' board map ---------------------------------------------------------------

  var COLOURS = { received: "#b3261e", assigned: "#b35c00", accepted: "#0b3d91" };

  function initBoard(box) {
    if (!window.L) return;
    var map = L.map(box, { scrollWheelZoom: false }).setView([-7.9797, 112.6304], 13);
    L.tileLayer(box.getAttribute("data-tiles"), {
      maxZoom: 19, attribution: "&copy; OpenStreetMap"
    }).addTo(map);
    var layer = L.layerGroup().addTo(map);
    var first = true;
    function draw() {
      var list = document.getElementById("board-list");
      if (!list) return;
      var points = JSON.parse(list.getAttribute("data-points") || "[]");
      layer.clearLayers();
      var markers = points.map(function (p) {
        var colour = COLOURS[p.status] || "#6b6b6b";
        var tip = document.createElement("span");
        tip.textContent = p.code + " · " + p.label; // text, never markup
        return L.circleMarker([p.lat, p.lon], {
          radius: 9, color: colour, fillColor: colour, fillOpacity: 0.8
        }).bindTooltip(tip).addTo(layer);
      });
      if (first && markers.length) {
        map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 16 });
        first = false;
      }
    }
    draw();
    document.body.addEventListener("htmx:afterSwap", draw);
  }

  function init() {
    var form = document.querySelector("[data-complaint-form]");
    if (form) {
      initForm(form);
      showRemembered();
    }
    var tracked = document.querySelector("[data-remember-complaint]");
    if (tracked) {
      remember(tracked.getAttribute("data-remember-complaint"),
        tracked.getAttribute("data-complaint-label"));
    }
    var board = document.querySelector("[data-board-map]");
    if (board) initBoard(board);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
