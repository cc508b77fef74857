// City maps (admin dashboard and the public park page) and the SOS alarm.
// Data comes from data-* attributes: the CSP allows no inline script.
(function () {
  "use strict";
  var COLOURS = { quiet: "#1b7f3a", busy: "#b35c00", over: "#b3261e", unknown: "#6b6b6b",
                  full: "#b3261e" };

  function baseMap(element) {
    var map = L.map(element, { scrollWheelZoom: false }).setView([-7.9797, 112.6304], 14);
    L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap"
    }).addTo(map);
    return map;
  }

  function fit(map, layers) {
    if (!layers.length) return;
    var group = L.featureGroup(layers);
    map.fitBounds(group.getBounds().pad(0.2), { maxZoom: 16 });
  }

  function zoneLayer(zone) {
    var colour = COLOURS[zone.level] || COLOURS.unknown;
    var style = { color: colour, fillColor: colour, fillOpacity: 0.35, weight: 2 };
    var g = zone.geometry || {};
    if (g.type === "Point") {
      var radius = (g.properties && g.properties.radius_m) || 50;
      return L.circle([g.coordinates[1], g.coordinates[0]], L.extend({ radius: radius }, style));
    }
    return L.geoJSON(g, { style: style });
  }

  // The zone, office and officer layers; redrawn from data-map-url every
  // data-refresh-seconds (a minute), without moving the view the admin may have moved.

  function drawCity(groups, data) {
    var bounded = [];
    groups.zones.clearLayers();
    groups.offices.clearLayers();
    groups.officers.clearLayers();
    (data.zones || []).forEach(function (zone) {
      var layer = zoneLayer(zone).bindTooltip(zone.name);
      groups.zones.addLayer(layer);
      bounded.push(layer);
    });
    (data.offices || []).forEach(function (office) {
      var colour = COLOURS[office.level] || COLOURS.unknown;
      var marker = L.circleMarker([office.lat, office.lon], {
        radius: 9, color: colour, fillColor: colour, fillOpacity: 0.8
      }).bindTooltip(office.name + ": " + office.inside + " / " + office.capacity);
      groups.offices.addLayer(marker);
      bounded.push(marker);
    });
    (data.officers || []).forEach(function (officer) {
      groups.officers.addLayer(
        L.marker([officer.lat, officer.lon], { title: officer.name, alt: officer.name })
          .bindTooltip(officer.name));
    });
    return bounded;
  }

  function dashboardMap(element) {
    var map = baseMap(element);
    var groups = { zones: L.layerGroup().addTo(map), offices: L.layerGroup().addTo(map),
                   officers: L.layerGroup().addTo(map) };
    fit(map, drawCity(groups, JSON.parse(element.getAttribute("data-map"))));
    var url = element.getAttribute("data-map-url");
    var seconds = parseInt(element.getAttribute("data-refresh-seconds"), 10) || 60;
    if (!url || !window.fetch) return;
    setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          drawCity(groups, data);
          element.setAttribute("data-refreshed", String(Date.now()));
        })
        .catch(function () { /* offline or logged out: keep the last picture */ });
    }, seconds * 1000);
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
      }).bindTooltip(item.getAttribute("data-name") + ": " + item.getAttribute("data-label"));
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
