// The officer's complaints (aduan warga) on the phone: Terima and closing without signal,
// and the polled task list kept still while Terima waits for its GPS fix. Loaded by the
// officer's home and by a visit that answers a complaint; the resident's form and the
// admins' board are complaints.js.
(function () {
  "use strict";

  // The officer's Terima and closing, without signal -----------------------------------
  // field.js takes the GPS fix and fires patroli:gps-ready before posting. Offline, these
  // two forms go to the phone's outbox (outbox-core.js) as the sync API's complaint_accept
  // and complaint_close records; online, the form posts as usual. Capture phase: this runs
  // before outbox.js, which would otherwise take a close for a plain visit end.

  function number(value) {
    if (value === null || value === undefined || String(value).trim() === "") return null;
    var n = Number(value);
    return isFinite(n) ? n : null;
  }

  function outboxRecord(form, kind) {
    var get = function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      return input ? input.value : "";
    };
    var record = {
      uuid: get("uuid"),
      kind: kind,
      complaint_id: parseInt(form.getAttribute("data-complaint-id"), 10),
      recorded_at: new Date().toISOString()
    };
    var lat = number(get("lat"));
    var lon = number(get("lon"));
    if (lat === null || lon === null) record.gps_error = get("gps_error") || "unavailable";
    else { record.lat = lat; record.lon = lon; record.accuracy_m = number(get("accuracy")); }
    if (kind === "complaint_close") record.result = get("result");
    return record;
  }

  document.addEventListener("patroli:gps-ready", function (event) {
    var form = event.target;
    var kind = form.getAttribute && form.getAttribute("data-outbox-kind");
    if (!kind) return;
    event.stopPropagation();
    var box = document.querySelector("[data-outbox]");
    if (navigator.onLine !== false || !box || !window.PatroliOutbox) return;
    event.preventDefault();
    var record = outboxRecord(form, kind);
    var user = parseInt(box.getAttribute("data-user"), 10);
    var next;
    if (kind === "complaint_accept") {
      // The offline visit screen reads what it shows of the visit from here (outbox.js).
      try {
        window.localStorage.setItem("patroli-visit-" + record.uuid, JSON.stringify({
          zone_name: form.getAttribute("data-zone-name"),
          capacity: parseInt(form.getAttribute("data-zone-capacity"), 10),
          started_at: record.recorded_at,
          complaint_id: record.complaint_id
        }));
      } catch (e) { /* the screen shows less; nothing is lost */ }
      next = form.getAttribute("data-shell-url") + "?kunjungan=" + encodeURIComponent(record.uuid);
    } else {
      next = form.getAttribute("data-home-url");
    }
    window.PatroliOutbox.add(user, record, null).then(function () {
      window.location.assign(next);
    });
  }, true);

  // The polled list of the officer's complaints must not be swapped while Terima waits
  // for its GPS fix (up to 15 s): the form would leave the page and never be sent.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-complaint-tasks")) return;
    if (elt.querySelector("form[data-gps-done], button[disabled]")) event.preventDefault();
  });
})();
