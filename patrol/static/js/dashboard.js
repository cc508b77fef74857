// City maps (admin dashboard and the public park page) and the SOS alarm.
// Data comes from data-* attributes: the CSP allows no inline script.
(function () {
  "use strict";
  var COLOURS = { quiet: "#1b7f3a", busy: "#b35c00", over: "#b3261e", unknown: "#6b6b6b" };
  // Offices are blue circles (never the "sepi" green); their rim says how full they are.
  var OFFICE = { fill: "#1f4e9c", quiet: "#1f4e9c", busy: "#b35c00", full: "#b3261e" };
  // A park smaller than this on screen is also drawn as a dot of this radius (pixels).
  var MIN_RADIUS_PX = 7;

  // Names come from admins and the public must not be able to inject markup through them:
  // tooltips get a text node, never an HTML string.
  function textTooltip(layer, text) {
    var span = document.createElement("span");
    span.textContent = text;
    return layer.bindTooltip(span);
  }

  // When tiles fail (offline, blocked), say so over the map; outlines stay readable on the
  // plain background.
  function watchTiles(element, tiles) {
    var loaded = 0;
    var failed = 0;
    var note = null;
    tiles.on("tileload", function () {
      loaded += 1;
      if (note) { note.remove(); note = null; element.classList.remove("tiles-failed"); }
    });
    tiles.on("tileerror", function () {
      failed += 1;
      if (loaded > 0 || note) return;
      element.classList.add("tiles-failed");
      note = document.createElement("p");
      note.className = "map-note";
      note.setAttribute("role", "status");
      note.textContent = element.getAttribute("data-tiles-failed") ||
        "Peta dasar tidak dapat dimuat. Batas zona tetap ditampilkan.";
      element.appendChild(note);
    });
  }

  function baseMap(element) {
    var map = L.map(element, { scrollWheelZoom: false }).setView([-7.9797, 112.6304], 14);
    var tiles = L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap"
    });
    watchTiles(element, tiles);
    tiles.addTo(map);
    return map;
  }

  function fit(map, layers) {
    if (!layers.length) return;
    var group = L.featureGroup(layers);
    map.fitBounds(group.getBounds().pad(0.2), { maxZoom: 16 });
  }

  function zoneLayer(zone) {
    var colour = COLOURS[zone.level] || COLOURS.unknown;
    var style = { color: colour, fillColor: colour, fillOpacity: 0.35, weight: 3 };
    var g = zone.geometry || {};
    if (g.type === "Point") {
      var radius = (g.properties && g.properties.radius_m) || 50;
      return L.circle([g.coordinates[1], g.coordinates[0]], L.extend({ radius: radius }, style));
    }
    return L.geoJSON(g, { style: style });
  }

  function zoneText(zone, labels) {
    var text = zone.name;
    if (zone.headcount !== null && zone.headcount !== undefined && zone.level !== "unknown") {
      text += ": " + zone.headcount.toLocaleString("id-ID") + " / " +
        (zone.capacity || 0).toLocaleString("id-ID");
    }
    if (labels && labels[zone.level]) text += " (" + labels[zone.level] + ")";
    return text;
  }

  // The zone, office and officer layers; redrawn from the data the dashboard's one
  // refresh brings, without moving the view the admin may have moved.
  function drawCity(groups, data, labels) {
    var bounded = [];
    groups.zones.clearLayers();
    groups.offices.clearLayers();
    groups.officers.clearLayers();
    (data.zones || []).forEach(function (zone) {
      var colour = COLOURS[zone.level] || COLOURS.unknown;
      var text = zoneText(zone, labels);
      var layer = textTooltip(zoneLayer(zone), text);
      groups.zones.addLayer(layer);
      bounded.push(layer);
      if (zone.centre) {
        // The dot keeps a park visible when its outline is a few pixels at this zoom.
        groups.zones.addLayer(textTooltip(L.circleMarker(zone.centre, {
          radius: MIN_RADIUS_PX, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1,
          className: "zone-dot"
        }), text));
      }
    });
    (data.offices || []).forEach(function (office) {
      var marker = L.circleMarker([office.lat, office.lon], {
        radius: 9, color: OFFICE[office.level] || OFFICE.quiet, weight: 4,
        fillColor: OFFICE.fill, fillOpacity: 0.9, className: "office-marker"
      });
      textTooltip(marker, office.name + ": " + office.inside.toLocaleString("id-ID") + " / " +
        office.capacity.toLocaleString("id-ID"));
      groups.offices.addLayer(marker);
      bounded.push(marker);
    });
    (data.officers || []).forEach(function (officer) {
      groups.officers.addLayer(textTooltip(
        L.marker([officer.lat, officer.lon], { title: officer.name, alt: officer.name }),
        officer.name));
    });
    return bounded;
  }

  function readData(source) {
    try { return JSON.parse(source.getAttribute("data-map") || "{}"); } catch (e) { return {}; }
  }

  function dashboardMap(element) {
    var map = baseMap(element);
    var groups = { zones: L.layerGroup().addTo(map), offices: L.layerGroup().addTo(map),
                   officers: L.layerGroup().addTo(map) };
    var sourceId = element.getAttribute("data-map-source");
    var labels = null;
    try { labels = JSON.parse(element.getAttribute("data-level-labels") || "null"); } catch (e) { labels = null; }
    var source = document.getElementById(sourceId);
    var last = source ? source.getAttribute("data-map") : "";
    fit(map, drawCity(groups, source ? readData(source) : {}, labels));
    // The dashboard refreshes as one: the figures' poll swaps in new map data out of band.
    function redraw() {
      var fresh = document.getElementById(sourceId);
      if (!fresh) return;
      var text = fresh.getAttribute("data-map");
      element.setAttribute("data-refreshed", String(Date.now()));
      if (text === last) return;
      last = text;
      drawCity(groups, readData(fresh), labels);
    }
    document.body.addEventListener("htmx:oobAfterSwap", redraw);
    document.body.addEventListener("htmx:afterSettle", redraw);
  }

  function parkMap(element) {
    var map = baseMap(element);
    var layers = [];
    document.querySelectorAll(".park[data-lat]").forEach(function (item) {
      var lat = parseFloat(item.getAttribute("data-lat"));
      var lon = parseFloat(item.getAttribute("data-lon"));
      if (isNaN(lat) || isNaN(lon)) return;
      var colour = COLOURS[item.getAttribute("data-level")] || COLOURS.unknown;
      var marker = L.circleMarker([lat, lon], {
        radius: 12, color: colour, fillColor: colour, fillOpacity: 0.8
      });
      textTooltip(marker, item.getAttribute("data-name") + ": " + item.getAttribute("data-label"));
      marker.addTo(map);
      layers.push(marker);
    });
    fit(map, layers);
  }

  // SOS alarm: a short beep from the Web Audio API every 2 s while alerts are open.
  // Browsers only allow sound after a click, hence the "enable sound" button.
  var audio = null;
  function beep() {
    if (!audio) return;
    var oscillator = audio.createOscillator();
    var gain = audio.createGain();
    oscillator.type = "square";
    oscillator.frequency.value = 880;
    gain.gain.value = 0.2;
    oscillator.connect(gain);
    gain.connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.35);
  }

  function openAlerts() {
    var box = document.getElementById("sos-alerts");
    return box ? parseInt(box.getAttribute("data-sos-open"), 10) || 0 : 0;
  }

  function setupAlarm() {
    var toggle = document.getElementById("sound-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", function () {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!audio && Context) audio = new Context();
      if (audio && audio.state === "suspended") audio.resume();
      toggle.setAttribute("aria-pressed", "true");
      beep();
    });
    setInterval(function () {
      if (openAlerts() > 0) beep();
      document.body.classList.toggle("sos-active", openAlerts() > 0);
    }, 2000);
  }

  function init() {
    if (window.L) {
      var city = document.getElementById("city-map");
      if (city) dashboardMap(city);
      var parks = document.getElementById("park-map");
      if (parks) parkMap(parks);
    }
    setupAlarm();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
