// The zone editor: draw a zone (circle or polygon) on the admin's form, with the other
// zones around it (the shapes and tiles come from zone-map.js). Data comes in data-* attributes (the CSP allows no
// inline script). The GeoJSON field stays the source of truth, so the form still works
// when tiles, or this script, cannot load.
(function () {
  "use strict";
  var MALANG = [-7.97705, 112.63404];

  if (!window.PatroliZoneMap) return;  // zone-map.js (loaded first) is missing: fields only
  var addTiles = window.PatroliZoneMap.addTiles;
  var shapeFor = window.PatroliZoneMap.shapeFor;

  function round(x) { return Math.round(x * 1e6) / 1e6; }

  // Overlap of two zones, in metres on a flat projection around the first one (plenty
  // for a warning at city scale). A zone is {circle: [x, y, r]} or {ring: [[x, y], ...]}.
  var M_PER_DEG = 111320;

  function project(geometry, lat0) {
    var k = Math.cos(lat0 * Math.PI / 180) * M_PER_DEG;
    function xy(p) { return [p[0] * k, p[1] * M_PER_DEG]; }
    if (!geometry || !geometry.type) return null;
    if (geometry.type === "Point") {
      var c = xy(geometry.coordinates);
      return { circle: [c[0], c[1], (geometry.properties || {}).radius_m || 0] };
    }
    if (geometry.type === "Polygon") return { ring: geometry.coordinates[0].map(xy) };
    return null;
  }

  function insideRing(pt, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i], b = ring[j];
      if ((a[1] > pt[1]) !== (b[1] > pt[1]) &&
          pt[0] < (b[0] - a[0]) * (pt[1] - a[1]) / (b[1] - a[1]) + a[0]) inside = !inside;
    }
    return inside;
  }

  function segmentDistance(p, a, b) {
    var dx = b[0] - a[0], dy = b[1] - a[1];
    var t = dx || dy ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy) : 0;
    t = Math.max(0, Math.min(1, t));
    return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
  }

  function segmentsCross(a, b, c, d) {
    function side(p, q, r) { return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]); }
    return side(a, b, c) * side(a, b, d) < 0 && side(c, d, a) * side(c, d, b) < 0;
  }

  function overlaps(one, two) {
    if (one.circle && two.circle) {
      return Math.hypot(one.circle[0] - two.circle[0], one.circle[1] - two.circle[1]) <
        one.circle[2] + two.circle[2];
    }
    if (one.circle || two.circle) {
      var circle = (one.circle || two.circle), ring = (one.ring || two.ring);
      var centre = [circle[0], circle[1]];
      if (insideRing(centre, ring)) return true;
      for (var i = 1; i < ring.length; i++) {
        if (segmentDistance(centre, ring[i - 1], ring[i]) < circle[2]) return true;
      }
      return false;
    }
    var a = one.ring, b = two.ring;
    for (var m = 1; m < a.length; m++) {
      for (var n = 1; n < b.length; n++) {
        if (segmentsCross(a[m - 1], a[m], b[n - 1], b[n])) return true;
      }
    }
    return insideRing(a[0], b) || insideRing(b[0], a);
  }

  function latitudeOf(geometry) {
    return geometry.type === "Point" ? geometry.coordinates[1] : geometry.coordinates[0][0][1];
  }

  function overlappingNames(geometry, others) {
    if (!geometry || !geometry.type) return [];
    var lat0 = latitudeOf(geometry);
    var mine = project(geometry, lat0);
    if (!mine) return [];
    return others.filter(function (other) {
      var theirs = project(other.geometry, lat0);
      return theirs && overlaps(mine, theirs);
    }).map(function (other) { return other.name; });
  }

  // The zones that already exist, in grey, so that a new one is drawn in context.
  function drawOthers(map, others) {
    others.forEach(function (other) {
      var shape = shapeFor(other.geometry);
      if (!shape) return;
      shape.setStyle({ color: "#555", weight: 2, dashArray: "6 4", fillColor: "#888",
                       fillOpacity: 0.15, interactive: true });
      var label = document.createElement("span");
      label.textContent = other.name; // a name is text, never markup
      shape.bindTooltip(label);
      shape.addTo(map);
    });
  }

  function initDrawMap(el) {
    var form = el.closest("form");
    var field = form.querySelector("[name=geometry]");
    var latField = form.querySelector("[name=center_lat]");
    var lonField = form.querySelector("[name=center_lon]");
    var radiusField = form.querySelector("[name=radius_m]");
    var status = document.getElementById("draw-status");
    var tileError = document.getElementById("tile-error");
    var buttons = form.querySelectorAll("[data-draw]");
    var overlapWarning = document.getElementById("overlap-warning");
    var others = [];
    try { others = JSON.parse(el.getAttribute("data-other-zones") || "[]"); } catch (e) { others = []; }
    var centre0 = MALANG;
    try {
      var b = JSON.parse(el.getAttribute("data-bounds") || "null");
      if (b && b.length === 4) centre0 = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
    } catch (e) { /* the default centre */ }
    var map = L.map(el).setView(centre0, 15);
    drawOthers(map, others);
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

    function warnOverlaps(geometry) {
      if (!overlapWarning) return;
      var names = overlappingNames(geometry, others);
      overlapWarning.hidden = names.length === 0;
      overlapWarning.textContent = names.length ?
        (el.getAttribute("data-msg-overlap") || "{names}").replace("{names}", names.join(", ")) : "";
    }

    function writeGeometry(geometry) {
      field.value = geometry ? JSON.stringify(geometry) : "";
      setShape(shapeFor(geometry));
      warnOverlaps(geometry);
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
      warnOverlaps(geometry);
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

  function start() {
    if (typeof L === "undefined") return; // Leaflet missing: the typed fields still work.
    var draw = document.getElementById("zone-map");
    if (draw) initDrawMap(draw);
    document.querySelectorAll("[data-zone-map]:not([data-map-on-demand])").forEach(
      window.PatroliZoneMap.draw
    );
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
