// Planning maps: draw a zone (circle or polygon) on the admin's form, and show the
// officer's zone on a small map. Data comes in data-* attributes (the CSP allows no
// inline script). The GeoJSON field stays the source of truth, so the form still works
// when tiles, or this script, cannot load.
(function () {
  "use strict";
  var MALANG = [-7.97705, 112.63404];

  function addTiles(map, el, onError) {
    var url = el.getAttribute("data-tile-url");
    if (!url) return;
    var layer = L.tileLayer(url, {
      maxZoom: 19,
      attribution: el.getAttribute("data-attribution") || "",
    });
    if (onError) layer.on("tileerror", onError);
    layer.addTo(map);
  }

  function shapeFor(geometry) {
    if (!geometry || !geometry.type) return null;
    if (geometry.type === "Point") {
      var c = geometry.coordinates;
      return L.circle([c[1], c[0]], { radius: geometry.properties.radius_m });
    }
    if (geometry.type === "Polygon") {
      var ring = geometry.coordinates[0].map(function (p) { return [p[1], p[0]]; });
      return L.polygon(ring.slice(0, -1));
    }
    return null;
  }

  function round(x) { return Math.round(x * 1e6) / 1e6; }

  function initDrawMap(el) {
    var form = el.closest("form");
    var field = form.querySelector("[name=geometry]");
    var latField = form.querySelector("[name=center_lat]");
    var lonField = form.querySelector("[name=center_lon]");
    var radiusField = form.querySelector("[name=radius_m]");
    var status = document.getElementById("draw-status");
    var tileError = document.getElementById("tile-error");
    var buttons = form.querySelectorAll("[data-draw]");
    var map = L.map(el).setView(MALANG, 15);
    addTiles(map, el, function () { tileError.hidden = false; });
    var shape = null;
    var mode = null;
    var vertices = [];
    var sketch = null;

    function say(key, n) {
      var text = el.getAttribute("data-msg-" + key) || "";
      status.textContent = text.replace("{n}", String(n));
    }

    function setShape(next) {
      if (shape) map.removeLayer(shape);
      shape = next;
      if (shape) shape.addTo(map);
    }

    function setMode(next) {
      mode = next;
      vertices = [];
      if (sketch) { map.removeLayer(sketch); sketch = null; }
      buttons.forEach(function (b) {
        if (b.hasAttribute("aria-pressed")) {
          b.setAttribute("aria-pressed", String(b.getAttribute("data-draw") === mode));
        }
      });
      el.classList.toggle("drawing", !!mode);
      // Quick taps on corners must not zoom the map while drawing.
      if (mode) map.doubleClickZoom.disable();
      else map.doubleClickZoom.enable();
    }

    function writeGeometry(geometry) {
      field.value = geometry ? JSON.stringify(geometry) : "";
      setShape(shapeFor(geometry));
    }

    function circleGeometry(lat, lon) {
      var radius = parseFloat(radiusField.value) || 100;
      radiusField.value = radius;
      latField.value = round(lat);
      lonField.value = round(lon);
      return { type: "Point", coordinates: [round(lon), round(lat)], properties: { radius_m: radius } };
    }

    function readField() {
      var geometry;
      try { geometry = JSON.parse(field.value); } catch (e) { return; }
      var next = shapeFor(geometry);
      if (!next) return;
      setShape(next);
      map.fitBounds(next.getBounds(), { maxZoom: 17 });
    }

    map.on("click", function (event) {
      var ll = event.latlng;
      if (mode === "circle") {
        writeGeometry(circleGeometry(ll.lat, ll.lng));
        say("circle");
      } else if (mode === "polygon") {
        vertices.push([round(ll.lng), round(ll.lat)]);
        if (sketch) map.removeLayer(sketch);
        sketch = L.polyline(vertices.map(function (p) { return [p[1], p[0]]; }), { dashArray: "4" }).addTo(map);
        say("points", vertices.length);
      }
    });

    function finishPolygon() {
      if (vertices.length < 3) return;
      var ring = vertices.concat([vertices[0]]);
      writeGeometry({ type: "Polygon", coordinates: [ring] });
      latField.value = lonField.value = radiusField.value = "";
      setMode(null);
      say("polygon");
    }

    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var action = button.getAttribute("data-draw");
        if (action === "finish") finishPolygon();
        else if (action === "clear") { setMode(null); writeGeometry(null); say("cleared"); }
        else setMode(mode === action ? null : action);
      });
    });

    field.addEventListener("input", readField);
    [latField, lonField, radiusField].forEach(function (input) {
      input.addEventListener("change", function () {
        var lat = parseFloat(latField.value), lon = parseFloat(lonField.value);
        if (isFinite(lat) && isFinite(lon) && radiusField.value) {
          writeGeometry(circleGeometry(lat, lon));
          map.panTo([lat, lon]);
        }
      });
    });
    readField();
  }

  function initZoneMap(el) {
    var geometry;
    try { geometry = JSON.parse(el.getAttribute("data-geometry")); } catch (e) { return; }
    var shape = shapeFor(geometry);
    if (!shape) return;
    var map = L.map(el, { zoomControl: false, attributionControl: false, dragging: false,
      scrollWheelZoom: false, keyboard: false });
    addTiles(map, el);
    // A circle has no bounds until the map has a view, so centre on the zone first.
    var c = geometry.type === "Point" ? geometry.coordinates : geometry.coordinates[0][0];
    map.setView([c[1], c[0]], 16);
    shape.addTo(map);
    map.fitBounds(shape.getBounds(), { maxZoom: 17 });
  }

  // The officer's small map loads Leaflet (some 45 KB, and its tiles) only when asked
  // for: on 3G the shift and the Start button come first.
  function loadLeaflet(el) {
    if (typeof L !== "undefined") return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = el.getAttribute("data-leaflet-css");
      document.head.appendChild(css);
      var script = document.createElement("script");
      script.src = el.getAttribute("data-leaflet-js");
      script.onload = function () { resolve(); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function offerZoneMap(el) {
    var button = document.querySelector("[data-show-map='" + el.id + "']");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      loadLeaflet(el).then(function () {
        el.hidden = false;
        button.hidden = true;
        initZoneMap(el);
      }, function () { button.disabled = false; });
    });
  }

  function start() {
    document.querySelectorAll("[data-zone-map][data-map-on-demand]").forEach(offerZoneMap);
    if (typeof L === "undefined") return; // Leaflet missing: the typed fields still work.
    var draw = document.getElementById("zone-map");
    if (draw) initDrawMap(draw);
    document.querySelectorAll("[data-zone-map]:not([data-map-on-demand])").forEach(initZoneMap);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
