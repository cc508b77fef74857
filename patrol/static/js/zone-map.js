// A zone on a small Leaflet map: its shape, the tiles, and the officer's map on demand.
// Shared by the officer's home (the map of the shift's zone, loaded only when asked for:
// on 3G the shift and the Start button come first) and the zone editor (planning.js).
(function () {
  "use strict";

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

  // A zone shown, not edited: no dragging, no zooming, fitted to its shape.
  function draw(el) {
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

  // Leaflet (some 45 KB, and its tiles) is fetched on the first tap.
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

  function offer(el) {
    var button = document.querySelector("[data-show-map='" + el.id + "']");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      loadLeaflet(el).then(function () {
        el.hidden = false;
        button.hidden = true;
        draw(el);
      }, function () { button.disabled = false; });
    });
  }

  window.PatroliZoneMap = { addTiles: addTiles, shapeFor: shapeFor, draw: draw };

  function start() {
    document.querySelectorAll("[data-zone-map][data-map-on-demand]").forEach(offer);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
