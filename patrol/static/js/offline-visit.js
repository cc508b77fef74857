// The visit screen without signal (/patroli/luring): filled from the phone's outbox, and
// every entry goes to the outbox as the records POST /api/v1/sync takes. It runs after
// outbox.js, which hands it the outbox through window.PatroliOutboxPage; only this page
// loads it, so the officer's other pages do not carry it.
(function () {
  "use strict";

  var page = window.PatroliOutboxPage;
  var shell = document.querySelector("[data-offline-visit]");
  if (!page || !shell) return;
  var Outbox = page.outbox;
  var user = page.user;
  var currentVisitUuid = page.currentVisitUuid;
  var visitInfo = page.visitInfo;
  var recordFromForm = page.recordFromForm;
  var displayOf = page.displayOf;
  var queue = page.queue;
  var send = page.send;
  var renderPending = page.renderPending;
  var clock = page.clock;
  var isOnline = page.isOnline;

  setUpShell(shell);

  function setUpShell(main) {
    var visitUuid = currentVisitUuid();
    var info = visitUuid ? visitInfo(visitUuid) : null;
    var text = function (key, n) {
      return (main.getAttribute("data-text-" + key) || "").replace("{n}", String(n));
    };
    main.setAttribute("data-visit-uuid", visitUuid || "");
    if (info && info.zone_name) main.querySelector("[data-offline-zone]").textContent = info.zone_name;
    if (info && info.capacity >= 0) {
      main.querySelector("#headcount").setAttribute("data-capacity", String(info.capacity));
    }
    // The zone's outline, kept on the phone with the visit: drawn without any network.
    if (info && info.geometry) main.setAttribute("data-zone-geometry", info.geometry);

    // A visit answering a complaint (known from its page, or from its Terima still in the
    // outbox) ends only with the result the reporter reads, as on the server's page.
    function answersComplaint() {
      var box = main.querySelector("[data-offline-complaint]");
      if (!box.hidden) return;
      box.hidden = false;
      var field = box.querySelector('textarea[name="result"]');
      field.disabled = false;
      field.required = true;
      var end = main.querySelector("[data-offline-end-button]");
      end.textContent = end.getAttribute("data-text-complaint");
    }
    if (info && info.complaint_id) answersComplaint();

    function show(id) {
      main.querySelectorAll("[data-offline-entry]").forEach(function (form) {
        form.hidden = form.id !== id;
      });
      main.querySelectorAll("[data-offline-open]").forEach(function (button) {
        var open = button.getAttribute("data-offline-open") === id;
        button.setAttribute("aria-expanded", open ? "true" : "false");
        button.classList.toggle("is-active", open);
      });
      var form = id && document.getElementById(id);
      if (form) form.querySelector("h2").focus();
    }

    main.addEventListener("click", function (event) {
      var opener = event.target.closest("[data-offline-open]");
      if (opener) show(opener.getAttribute("data-offline-open"));
      if (event.target.closest("[data-offline-close]")) show(null);
    });

    // A refused entry opened for fixing: the form shows it; saving replaces it (same UUID).
    var editing = parseInt(new URLSearchParams(window.location.search).get("ubah") || "", 10);
    if (!isNaN(editing)) {
      Outbox.setAside(user).then(function (items) {
        var item = items.filter(function (i) { return i.seq === editing; })[0];
        if (!item) { editing = NaN; return; }
        fillForm(item.record);
      });
    }

    function fillForm(record) {
      var form = document.getElementById(record.kind === "violation" ? "offline-violation" : "offline-crowd");
      form.querySelector('input[name="uuid"]').value = record.uuid;
      form.querySelector('input[name="uuid"]').removeAttribute("data-fresh");
      form.setAttribute("data-recorded-at", record.recorded_at);
      Object.keys(record).forEach(function (name) {
        var inputs = form.querySelectorAll('[name="' + name + '"]');
        for (var i = 0; i < inputs.length; i++) {
          if (inputs[i].type === "radio") inputs[i].checked = inputs[i].value === String(record[name]);
          else if (inputs[i].type !== "hidden" && inputs[i].type !== "file") inputs[i].value = record[name];
        }
      });
      var fine = form.querySelector("[data-fine-field]");
      if (fine && record.fine_amount) fine.hidden = false;
      show(form.id);
    }

    main.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute("data-offline-entry")) return;
      event.preventDefault();
      var record = recordFromForm(form);
      if (!record) return;
      var replacing = isNaN(editing) ? null : editing;
      if (replacing !== null) {
        editing = NaN;
        record.recorded_at = form.getAttribute("data-recorded-at") || record.recorded_at;
        form.removeAttribute("data-recorded-at");
      }
      var submit = form.querySelector("button[type=submit]");
      if (submit.disabled) return;  // a second tap does nothing
      submit.disabled = true;
      var photo = window.PatroliPhoto ? window.PatroliPhoto.of(form) : null;
      var keepPhoto = photo
        ? photo.then(function (blob) { return Outbox.addPhoto(user, record.uuid, blob); })
        : Promise.resolve();
      keepPhoto.then(function () {
        return replacing === null ? null : Outbox.discard(replacing);
      }).then(function () {
        return queue(record, displayOf(form, record));
      }).then(function () {
        submit.disabled = false;
        var saved = main.querySelector("[data-offline-saved]");
        saved.textContent = text("saved");
        saved.hidden = false;
        form.reset();
        var id = window.crypto && window.crypto.randomUUID ? window.crypto.randomUUID() : "";
        form.querySelector('input[name="uuid"]').value = id;
        var fine = form.querySelector("[data-fine-field]");
        if (fine) fine.hidden = true;
        show(null);
        if (isOnline()) send();
      });
    });

    document.addEventListener("patroli:outbox", function (event) {
      var mine = function (item) {
        return item.record.visit_uuid === visitUuid || item.record.uuid === visitUuid;
      };
      var waiting = event.detail.waiting.filter(mine);
      var rejected = event.detail.rejected.filter(mine);
      var shown = renderPending(main.querySelector("[data-offline-timeline]"), waiting, rejected,
        event.detail.photos);
      main.querySelector("[data-offline-empty]").hidden = shown > 0;
      var start = waiting.concat(rejected).filter(function (item) { return item.record.uuid === visitUuid; })[0];
      if (start && start.record.kind === "complaint_accept") answersComplaint();
      var started = main.querySelector("[data-offline-started]");
      var startedAt = start ? start.record.recorded_at : info && info.started_at;
      if (startedAt) {
        started.setAttribute("datetime", startedAt);
        started.textContent = clock(startedAt);
      }
      var ended = waiting.some(function (item) { return item.record.kind === "visit_end"; });
      main.querySelector("[data-offline-buttons]").hidden = ended;
      main.querySelector("[data-offline-end]").hidden = ended;
      main.querySelector("[data-offline-missing]").hidden = Boolean(visitUuid && (info || start));
      // Everything of this visit reached the server: its own screen can take over.
      var synced = main.querySelector("[data-offline-synced]");
      synced.hidden = !(visitUuid && !waiting.length && !rejected.length && page.lastStatus() === "done");
      synced.querySelector("a").href = main.getAttribute("data-visit-url").replace("VISIT_UUID", visitUuid);
    });

    var hash = window.location.hash.replace("#", "");
    if (hash === "offline-violation" || hash === "offline-crowd") show(hash);
  }
})();
