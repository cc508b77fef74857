// Offline work on the officer's phone: the service worker, the outbox count in the header,
// sending when the network returns (with backoff), and the visit screen without signal.
// Records are exactly what POST /api/v1/sync takes (see /api/v1/openapi.json).
(function () {
  "use strict";

  var box = document.querySelector("[data-outbox]");
  if (!box || !window.PatroliOutbox || !window.indexedDB) return;
  var Outbox = window.PatroliOutbox;
  var user = parseInt(box.getAttribute("data-user"), 10);
  var shellUrl = box.getAttribute("data-shell-url");
  var homeUrl = box.getAttribute("data-home-url");
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content;
  var attempts = 0;
  var retryTimer = null;
  var lastStatus = null;
  var UUID_IN_PATH = /\/kunjungan\/([0-9a-f-]{36})(?:\/|$)/;

  function say(key, n) {
    return (box.getAttribute("data-text-" + key) || "").replace("{n}", String(n));
  }

  function isOnline() { return navigator.onLine !== false; }

  function nowIso() { return new Date().toISOString(); }

  function number(value) {
    if (value === null || value === undefined || String(value).trim() === "") return null;
    var n = Number(value);
    return isFinite(n) ? n : null;
  }

  // The GPS fields field.js filled in (a fix, or the reason there is none).
  function gpsOf(form) {
    var get = function (name) {
      var input = form.querySelector('input[name="' + name + '"]');
      return input ? input.value : "";
    };
    var lat = number(get("lat"));
    var lon = number(get("lon"));
    if (lat === null || lon === null) return { gps_error: get("gps_error") || "unavailable" };
    return { lat: lat, lon: lon, accuracy_m: number(get("accuracy")) };
  }

  function merge(target, source) {
    Object.keys(source).forEach(function (key) { target[key] = source[key]; });
    return target;
  }

  // What the phone knows about a visit (zone name, capacity) for screens without signal.
  function rememberVisit(uuid, info) {
    try {
      localStorage.setItem("patroli-visit-" + uuid, JSON.stringify(info));
    } catch (e) { /* private mode or full: the screen shows less, nothing is lost */ }
  }

  function visitInfo(uuid) {
    try {
      return JSON.parse(localStorage.getItem("patroli-visit-" + uuid) || "null");
    } catch (e) {
      return null;
    }
  }

  // Header: how many wait, and what happened last --------------------------------------

  function setText(selector, text) {
    var el = box.querySelector(selector);
    if (el) el.textContent = text;
  }

  function render() {
    return Promise.all([Outbox.pending(user), Outbox.setAside(user)]).then(function (found) {
      var waiting = found[0];
      var rejected = found[1];
      setText("[data-outbox-count]", waiting.length ? say("waiting", waiting.length) : "");
      var message = "";
      if (lastStatus === "login") message = say("login");
      else if (waiting.length && lastStatus === "offline") message = say("offline");
      else if (waiting.length && lastStatus === "error") message = say("error");
      else if (!waiting.length && lastStatus === "done") message = say("sent");
      setText("[data-outbox-message]", message);
      box.querySelector("[data-outbox-send]").hidden = !waiting.length;
      box.querySelector("[data-outbox-login]").hidden = lastStatus !== "login";
      var list = box.querySelector("[data-outbox-rejected-list]");
      list.textContent = "";
      rejected.forEach(function (item) {
        var li = document.createElement("li");
        li.textContent = describe(item.record) + ": " + item.error;
        list.appendChild(li);
      });
      box.querySelector("[data-outbox-rejected]").hidden = !rejected.length;
      box.hidden = !(waiting.length || rejected.length || message);
      document.dispatchEvent(new CustomEvent("patroli:outbox", {
        detail: { waiting: waiting, rejected: rejected }
      }));
    });
  }

  function describe(record) {
    var when = new Date(record.recorded_at);
    var time = isNaN(when) ? "" : when.toLocaleTimeString("id-ID", { hour: "2-digit", minute: "2-digit" });
    return time + " " + record.kind.replace("_", " ");
  }

  // Sending ------------------------------------------------------------------------------

  function schedule() {
    if (retryTimer) clearTimeout(retryTimer);
    // 5 s, 10 s, 20 s ... at most 5 minutes, with a little jitter so phones spread out.
    var delay = Math.min(300000, 5000 * Math.pow(2, attempts)) * (0.8 + Math.random() * 0.4);
    attempts += 1;
    retryTimer = setTimeout(send, delay);
  }

  function send() {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    setText("[data-outbox-message]", say("sending"));
    return Outbox.flush({
      user: user,
      token: token,
      syncUrl: box.getAttribute("data-sync-url"),
      tokenUrl: box.getAttribute("data-token-url"),
      onToken: function (fresh) { token = fresh; }
    }).then(function (result) {
      lastStatus = result.status;
      if (result.status === "offline" || result.status === "error") {
        return Outbox.pending(user).then(function (left) { if (left.length) schedule(); });
      }
      if (result.status === "done") attempts = 0;
      return null;
    }).then(render, render);
  }

  function queue(record, display) {
    return Outbox.add(user, record, display).then(function () {
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
      return navigator.serviceWorker && navigator.serviceWorker.ready
        ? Promise.race([
          navigator.serviceWorker.ready.then(function (reg) {
            return reg.sync ? reg.sync.register(Outbox.SYNC_TAG) : null;
          }).catch(function () { return null; }),
          new Promise(function (resolve) { setTimeout(resolve, 500); })
        ])
        : null;
    }).then(render);
  }

  box.querySelector("[data-outbox-send]").addEventListener("click", function () {
    attempts = 0;
    send();
  });
  box.querySelector("[data-outbox-dismiss]").addEventListener("click", function () {
    Outbox.clearSetAside(user).then(render);
  });
  window.addEventListener("online", function () { attempts = 0; send(); });
  window.addEventListener("offline", function () { lastStatus = "offline"; render(); });

  // Visit start and end without network (the forms' GPS is taken by field.js first) ----

  document.addEventListener("patroli:gps-ready", function (event) {
    var form = event.target;
    var onShell = form.hasAttribute("data-offline-end");
    if (isOnline() && !onShell) return;  // the normal form post
    var uuidInput = form.querySelector('input[name="uuid"]');
    var uuid = uuidInput && uuidInput.value;
    if (!uuid) return;
    if (form.hasAttribute("data-offline-start")) {
      event.preventDefault();
      var zoneId = parseInt(form.querySelector('input[name="zone_id"]').value, 10);
      rememberVisit(uuid, {
        zone_name: form.getAttribute("data-zone-name"),
        capacity: parseInt(form.getAttribute("data-zone-capacity"), 10),
        started_at: nowIso()
      });
      queue(merge({ uuid: uuid, kind: "visit_start", recorded_at: nowIso(), zone_id: zoneId },
        gpsOf(form))).then(function () {
        window.location.assign(shellUrl + "?kunjungan=" + encodeURIComponent(uuid));
      });
      return;
    }
    var visitUuid = currentVisitUuid();
    if (!visitUuid) return;
    event.preventDefault();
    queue(merge({ uuid: uuid, kind: "visit_end", recorded_at: nowIso(), visit_uuid: visitUuid },
      gpsOf(form))).then(function () {
      if (isOnline()) return send();
      return null;
    }).then(function () { window.location.assign(homeUrl); });
  });

  function currentVisitUuid() {
    var main = document.querySelector("[data-visit-uuid]");
    if (main) return main.getAttribute("data-visit-uuid");
    var query = new URLSearchParams(window.location.search).get("kunjungan");
    if (query) return query.toLowerCase();
    var match = UUID_IN_PATH.exec(window.location.pathname);
    return match ? match[1] : null;
  }

  // The server's visit screen: without network, entries go on in the offline screen ----

  var serverVisit = document.querySelector("#visit-main[data-visit-uuid]");
  if (serverVisit) {
    rememberVisit(serverVisit.getAttribute("data-visit-uuid"), {
      zone_name: serverVisit.getAttribute("data-zone-name"),
      capacity: parseInt(serverVisit.getAttribute("data-zone-capacity"), 10)
    });
  }

  // Entries of this visit still on the phone show on its timeline, above the sent ones.
  document.addEventListener("patroli:outbox", function (event) {
    var main = document.querySelector("#visit-main[data-visit-uuid]");
    var card = main && main.querySelector('section[aria-labelledby="timeline-title"]');
    if (!card || main.hasAttribute("data-offline-visit")) return;
    var visitUuid = main.getAttribute("data-visit-uuid");
    var mine = function (item) { return item.record.visit_uuid === visitUuid; };
    var list = card.querySelector("[data-pending-timeline]");
    if (!list) {
      list = document.createElement("ol");
      list.className = "timeline";
      list.setAttribute("data-pending-timeline", "");
      card.querySelector("h2").insertAdjacentElement("afterend", list);
    }
    renderPending(list, event.detail.waiting.filter(mine), event.detail.rejected.filter(mine));
  });
  document.addEventListener("htmx:afterSettle", function () { render(); });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".entry-buttons button[hx-get]") : null;
    if (!button || isOnline()) return;
    var visitUuid = currentVisitUuid();
    if (!visitUuid) return;
    event.preventDefault();
    event.stopPropagation();
    var panel = /hitung$/.test(button.getAttribute("hx-get")) ? "offline-crowd" : "offline-violation";
    window.location.assign(shellUrl + "?kunjungan=" + encodeURIComponent(visitUuid) + "#" + panel);
  }, true);

  // An htmx entry form whose request never reached the server goes to the outbox.
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-gps-entry")) return;
    var record = recordFromForm(form);
    if (!record) return;
    queue(record, displayOf(form, record)).then(function () {
      var panel = document.getElementById("entry-panel");
      if (panel) {
        panel.textContent = "";
        var note = document.createElement("p");
        note.className = "flash flash-success";
        note.setAttribute("role", "status");
        note.textContent = say("offline");
        panel.appendChild(note);
      }
    });
  });

  function recordFromForm(form) {
    var data = new FormData(form);
    var visitUuid = currentVisitUuid();
    var uuid = data.get("uuid");
    if (!visitUuid || !uuid) return null;
    var base = { uuid: uuid, recorded_at: nowIso(), visit_uuid: visitUuid };
    if (data.has("token")) {
      var token = (data.get("token") || "").trim();
      if (!token) return null;
      return merge(merge(base, { kind: "checkpoint_scan", token: token }), gpsOf(form));
    }
    if (data.has("headcount")) {
      return merge(merge(base, { kind: "crowd_count", headcount: parseInt(data.get("headcount"), 10) }), gpsOf(form));
    }
    var record = merge(base, {
      kind: "violation",
      category: data.get("category") || null,
      action: data.get("action") || null,
      people_count: parseInt(data.get("people_count") || "1", 10)
    });
    ["fine_amount", "offender_name", "offender_nik", "notes"].forEach(function (name) {
      var value = (data.get(name) || "").trim();
      if (value) record[name] = value;
    });
    return merge(record, gpsOf(form));
  }

  // Entries waiting (or set aside) in a visit's timeline, newest first; answers how many.
  function renderPending(list, waiting, rejected) {
    list.textContent = "";
    var entries = waiting.map(function (item) { return [item, null]; })
      .concat(rejected.map(function (item) { return [item, item.error || ""]; }))
      .filter(function (pair) {
        var kind = pair[0].record.kind;
        return kind === "violation" || kind === "crowd_count" || kind === "checkpoint_scan";
      })
      .sort(function (a, b) { return a[0].record.recorded_at < b[0].record.recorded_at ? 1 : -1; });
    entries.forEach(function (pair) { list.appendChild(pendingItem(pair[0], pair[1])); });
    return entries.length;
  }

  function pendingItem(item, rejectedError) {
    var record = item.record;
    var display = item.display || {};
    var li = document.createElement("li");
    li.className = "timeline-item is-pending timeline-" + (record.kind === "violation" ? "violation" : "crowd");
    var head = document.createElement("p");
    head.className = "timeline-head";
    var time = document.createElement("time");
    time.setAttribute("datetime", record.recorded_at);
    time.textContent = clock(record.recorded_at);
    var strong = document.createElement("strong");
    strong.textContent = display.label ||
      (record.kind === "violation" ? record.category :
        record.kind === "checkpoint_scan" ? say("scan") : say("visitors", record.headcount));
    var badge = document.createElement("span");
    badge.className = "badge " + (rejectedError === null ? "badge-pending" : "badge-withdrawn");
    badge.textContent = rejectedError === null ? say("pending") : say("rejected");
    [time, document.createTextNode(" "), strong, document.createTextNode(" "), badge].forEach(function (node) {
      head.appendChild(node);
    });
    li.appendChild(head);
    var detail = [display.detail, rejectedError].filter(Boolean).join(" · ");
    if (detail) {
      var p = document.createElement("p");
      p.textContent = detail;
      li.appendChild(p);
    }
    return li;
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString("id-ID", { hour: "2-digit", minute: "2-digit" });
  }

  // What the timeline shows for an entry (labels as the officer saw them in the form).
  function displayOf(form, record) {
    if (record.kind === "crowd_count") return { label: say("visitors", record.headcount) };
    if (record.kind === "checkpoint_scan") return { label: say("scan") };
    var chosen = function (name) {
      var input = form.querySelector('input[name="' + name + '"]:checked');
      return input ? input.closest("label").textContent.trim() : "";
    };
    return {
      label: chosen("category"),
      detail: [chosen("action"), say("people", record.people_count)].filter(Boolean).join(" · ")
    };
  }

  // The offline visit screen ----------------------------------------------------------

  var shell = document.querySelector("[data-offline-visit]");
  if (shell) setUpShell(shell);

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

    main.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute("data-offline-entry")) return;
      event.preventDefault();
      var record = recordFromForm(form);
      if (!record) return;
      queue(record, displayOf(form, record)).then(function () {
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
      var shown = renderPending(main.querySelector("[data-offline-timeline]"), waiting, rejected);
      main.querySelector("[data-offline-empty]").hidden = shown > 0;
      var start = waiting.concat(rejected).filter(function (item) { return item.record.uuid === visitUuid; })[0];
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
      synced.hidden = !(visitUuid && !waiting.length && !rejected.length && lastStatus === "done");
      synced.querySelector("a").href = main.getAttribute("data-visit-url").replace("VISIT_UUID", visitUuid);
    });

    var hash = window.location.hash.replace("#", "");
    if (hash === "offline-violation" || hash === "offline-crowd") show(hash);
  }

  // Today's screen (perhaps the phone's last copy): a visit started without signal and
  // not yet ended is continued from here, not started twice.
  var startForm = document.querySelector("form[data-offline-start]");
  if (startForm) {
    document.addEventListener("patroli:outbox", function (event) {
      var items = event.detail.waiting;
      var ended = {};
      items.forEach(function (item) {
        if (item.record.kind === "visit_end") ended[item.record.visit_uuid] = true;
      });
      var open = items.filter(function (item) {
        return item.record.kind === "visit_start" && !ended[item.record.uuid];
      })[0];
      var link = document.querySelector("[data-offline-continue]");
      if (!open) {
        if (link) link.remove();
        startForm.hidden = false;
        return;
      }
      if (!link) {
        link = document.createElement("a");
        link.className = "btn btn-big btn-primary btn-block";
        link.setAttribute("data-offline-continue", "");
        link.textContent = say("continue");
        startForm.parentNode.insertBefore(link, startForm);
      }
      link.href = shellUrl + "?kunjungan=" + encodeURIComponent(open.record.uuid);
      startForm.hidden = true;
    });
  }

  // Start -----------------------------------------------------------------------------

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(box.getAttribute("data-sw-url"), {
      scope: box.getAttribute("data-scope")
    }).catch(function () { /* no worker: the outbox still works while the page is open */ });
  }
  render().then(function () {
    return Outbox.pending(user).then(function (waiting) {
      if (waiting.length && isOnline()) send();
    });
  });
})();
