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

  // The visit open on this phone (also one started without signal), so that no page, not
  // even an old copy of Hari ini, offers to start another. known_at: when the phone learnt
  // it (a page's render time, or the phone's clock for a visit started offline).
  var OPEN_KEY = "patroli-open-visit-" + user;

  // Stored as {uuid (null once ended), known_at (ms)}: an old page never undoes newer news.
  function memory() {
    try {
      return JSON.parse(localStorage.getItem(OPEN_KEY) || "null");
    } catch (e) {
      return null;
    }
  }

  function openVisit() {
    var known = memory();
    return known && known.uuid ? known : null;
  }

  function keep(uuid, knownAt) {
    var known = memory();
    if (known && known.known_at > knownAt) return;  // this page is older than what we know
    try {
      localStorage.setItem(OPEN_KEY, JSON.stringify({ uuid: uuid, known_at: knownAt }));
    } catch (e) { /* private mode or full: the server still refuses a second visit */ }
  }

  function pageTime(el) {
    var ms = Date.parse(el.getAttribute("data-rendered-at") || "");
    return isNaN(ms) ? 0 : ms;
  }

  function rememberOpen(uuid, knownAt) { keep(uuid, knownAt); }

  function forgetOpen(uuid, knownAt) {
    var open = openVisit();
    if (open && (!uuid || open.uuid === uuid)) keep(null, knownAt || Date.now());
  }

  // Times read like the server's pages: 17:55 WIB, whatever the phone's own zone.
  function clock(iso) {
    var when = new Date(iso);
    if (isNaN(when)) return "";
    try {
      return when.toLocaleTimeString("en-GB", {
        timeZone: "Asia/Jakarta", hour: "2-digit", minute: "2-digit", hour12: false
      }) + " WIB";
    } catch (e) {
      var wib = new Date(when.getTime() + 7 * 3600000);
      return ("0" + wib.getUTCHours()).slice(-2) + ":" + ("0" + wib.getUTCMinutes()).slice(-2) + " WIB";
    }
  }

  // Header: how many wait, and what happened last --------------------------------------

  function setText(selector, text) {
    var el = box.querySelector(selector);
    if (el) el.textContent = text;
  }

  function render() {
    return Promise.all([Outbox.pending(user), Outbox.setAside(user), Outbox.photos(user)]).then(function (found) {
      var waiting = found[0];
      var rejected = found[1];
      var photos = found[2];
      var photosWaiting = photos.filter(function (p) { return !p.error; });
      var photosRefused = photos.filter(function (p) { return p.error; });
      var count = waiting.length + photosWaiting.length;
      setText("[data-outbox-count]", count ? say("waiting", count) : "");
      var message = "";
      if (lastStatus === "login") message = say("login");
      else if (count && lastStatus === "offline") message = say("offline");
      else if (count && lastStatus === "error") message = say("error");
      else if (!count && lastStatus === "done") message = say("sent");
      setText("[data-outbox-message]", message);
      box.querySelector("[data-outbox-send]").hidden = !count;
      box.querySelector("[data-outbox-login]").hidden = lastStatus !== "login";
      var list = box.querySelector("[data-outbox-rejected-list]");
      list.textContent = "";
      rejected.forEach(function (item) { list.appendChild(rejectedItem(item)); });
      photosRefused.forEach(function (item) { list.appendChild(refusedPhotoItem(item)); });
      box.querySelector("[data-outbox-rejected]").hidden = !(rejected.length || photosRefused.length);
      box.hidden = !(count || rejected.length || photosRefused.length || message);
      document.dispatchEvent(new CustomEvent("patroli:outbox", {
        detail: { waiting: waiting, rejected: rejected, photos: photos }
      }));
    });
  }

  // What an entry is, in the officer's words: "17:55 WIB · Pelanggaran: Tidak memakai masker".
  function describe(record, display) {
    var what = say("kind-" + record.kind.replace("_", "-")) || record.kind;
    var label = display && display.label;
    if (record.kind === "violation" && label) what += ": " + label;
    else if (record.kind === "crowd_count") what += ": " + record.headcount;
    return clock(record.recorded_at) + " · " + what;
  }

  function button(label, onClick, extraClass) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn" + (extraClass ? " " + extraClass : "");
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  // A refused entry stays, with the reason and what can be done about it: send it again
  // (after fixing the cause), move it into the visit that is open now, or drop it on purpose.
  function rejectedItem(item) {
    var li = document.createElement("li");
    li.className = "rejected-item";
    var what = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = describe(item.record, item.display);
    what.appendChild(strong);
    what.appendChild(document.createTextNode(" — " + (item.error || say("rejected"))));
    li.appendChild(what);
    var actions = document.createElement("p");
    actions.className = "rejected-actions";
    var open = openVisit();
    var inVisit = item.record.visit_uuid && item.record.kind !== "visit_end";
    if (inVisit && open && open.uuid !== item.record.visit_uuid) {
      actions.appendChild(button(say("move"), function () {
        Outbox.resend(item.seq, { visit_uuid: open.uuid }).then(sendOrRender);
      }, "btn-primary"));
    }
    if ((item.record.kind === "violation" || item.record.kind === "crowd_count") && item.record.visit_uuid) {
      var fix = document.createElement("a");
      fix.className = "btn";
      fix.textContent = say("fix");
      fix.href = shellUrl + "?kunjungan=" + encodeURIComponent(item.record.visit_uuid) + "&ubah=" + item.seq +
        (item.record.kind === "violation" ? "#offline-violation" : "#offline-crowd");
      actions.appendChild(fix);
    }
    actions.appendChild(button(say("resend"), function () {
      Outbox.resend(item.seq, {}).then(sendOrRender);
    }));
    actions.appendChild(button(say("drop"), function () {
      if (window.confirm(say("drop-confirm"))) Outbox.discard(item.seq).then(render);
    }, "btn-link"));
    li.appendChild(actions);
    return li;
  }

  function refusedPhotoItem(item) {
    var li = document.createElement("li");
    li.className = "rejected-item";
    li.textContent = say("photo-refused") + " — " + item.error;
    var actions = document.createElement("p");
    actions.className = "rejected-actions";
    actions.appendChild(button(say("drop"), function () {
      if (window.confirm(say("drop-confirm"))) Outbox.removePhoto(item.uuid).then(render);
    }, "btn-link"));
    li.appendChild(actions);
    return li;
  }

  function sendOrRender() {
    attempts = 0;
    return isOnline() ? send() : render();
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
      photoUrl: box.getAttribute("data-photo-url"),
      onToken: function (fresh) { token = fresh; }
    }).then(function (result) {
      lastStatus = result.status;
      if (result.status === "offline" || result.status === "error") {
        return Promise.all([Outbox.pending(user), Outbox.photos(user)]).then(function (left) {
          var photosLeft = left[1].filter(function (p) { return !p.error; });
          if (left[0].length || photosLeft.length) schedule();
        });
      }
      if (result.status === "done") attempts = 0;
      (result.photoAnswers || []).forEach(function (sent) { showThumbnail(sent.uuid, sent.answer); });
      if (result.sent && !result.setAside) refreshVisit();
      return null;
    }).then(render, render);
  }

  // The server's visit screen shows what just arrived (with its thumbnails), unless the
  // officer is filling in a form there.
  function refreshVisit() {
    var main = document.querySelector("#visit-main[data-visit-uuid]:not([data-offline-visit])");
    var panel = document.getElementById("entry-panel");
    if (!main || !window.htmx || (panel && panel.querySelector("form"))) return;
    window.htmx.ajax("GET", window.location.pathname, { target: "#visit-main", swap: "outerHTML" });
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
  window.addEventListener("online", function () { attempts = 0; send(); });
  window.addEventListener("offline", function () { lastStatus = "offline"; render(); });

  // Visit start and end without network (the forms' GPS is taken by field.js first) ----

  document.addEventListener("patroli:gps-ready", function (event) {
    var form = event.target;
    var onShell = form.hasAttribute("data-offline-end");
    if (form.hasAttribute("data-visit-end")) forgetOpen(currentVisitUuid(), Date.now());
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
        geometry: form.getAttribute("data-zone-geometry"),
        started_at: nowIso()
      });
      rememberOpen(uuid, Date.now());
      queue(merge({ uuid: uuid, kind: "visit_start", recorded_at: nowIso(), zone_id: zoneId },
        gpsOf(form))).then(function () {
        window.location.assign(shellUrl + "?kunjungan=" + encodeURIComponent(uuid));
      });
      return;
    }
    var visitUuid = currentVisitUuid();
    if (!visitUuid) return;
    event.preventDefault();
    var end = merge({ uuid: uuid, kind: "visit_end", recorded_at: nowIso(), visit_uuid: visitUuid },
      gpsOf(form));
    // A visit answering a complaint ends with the result; the server closes the complaint.
    var result = form.querySelector('textarea[name="result"]:not([disabled])');
    if (result && result.value.trim()) end.result = result.value.trim();
    queue(end).then(function () {
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
    var serverUuid = serverVisit.getAttribute("data-visit-uuid");
    rememberVisit(serverUuid, {
      zone_name: serverVisit.getAttribute("data-zone-name"),
      capacity: parseInt(serverVisit.getAttribute("data-zone-capacity"), 10),
      geometry: serverVisit.getAttribute("data-zone-geometry"),
      // The complaint this visit answers (still open), for ending it without signal.
      complaint_id: parseInt(serverVisit.getAttribute("data-complaint-id"), 10) || null
    });
    if (serverVisit.getAttribute("data-visit-open") === "1") {
      rememberOpen(serverUuid, pageTime(serverVisit));
    } else {
      forgetOpen(serverUuid, pageTime(serverVisit));
    }
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
    var shown = renderPending(list, event.detail.waiting.filter(mine), event.detail.rejected.filter(mine),
      event.detail.photos);
    card.classList.toggle("has-pending", shown > 0);
    // Sent entries whose photo still waits on the phone say so.
    (event.detail.photos || []).forEach(function (photo) {
      if (entryElement(photo.uuid) && !entryElement(photo.uuid).classList.contains("is-pending")) {
        photoStatus(photo.uuid, photo.error ? say("photo-refused") + " — " + photo.error : say("photo-waiting"));
      }
    });
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

  // Saving an entry on the server's visit screen: it succeeds (the answer swaps in), or
  // the errors show in place (422), or it goes to the outbox. A network error, any 5xx
  // (from the app or a proxy), or no answer in time (hx-request timeout) all mean
  // "not known to be saved": the entry waits on the phone with its UUID, so that if the
  // server did save it after all, sending it again stores nothing new.
  var photoJobs = {};

  function isEntryForm(form) {
    return form && form.hasAttribute && form.hasAttribute("data-gps-entry") && form.hasAttribute("hx-post");
  }

  // The form that sent an htmx request (htmx names the target in some events' elt).
  function entryFormOf(event) {
    var detail = event.detail || {};
    var found = [detail.requestConfig && detail.requestConfig.elt, detail.elt, event.target];
    for (var i = 0; i < found.length; i++) {
      if (isEntryForm(found[i])) return found[i];
    }
    return null;
  }

  // The photo goes on its own after the entry, shrunk: not inside the form's request.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = entryFormOf(event);
    if (!form || !window.PatroliPhoto) return;
    var uuidInput = form.querySelector('input[name="uuid"]');
    var photo = window.PatroliPhoto.of(form);
    if (photo && uuidInput) photoJobs[uuidInput.value] = photo;
    if (event.detail.formData) event.detail.formData.delete("photo");
    if (event.detail.parameters && event.detail.parameters.photo) delete event.detail.parameters.photo;
  });

  function queueForm(form, reason) {
    var record = recordFromForm(form);
    if (!record) return Promise.resolve();
    var photo = photoJobs[record.uuid];
    delete photoJobs[record.uuid];
    var keepPhoto = photo
      ? photo.then(function (blob) { return Outbox.addPhoto(user, record.uuid, blob); })
      : Promise.resolve();
    lastStatus = reason;
    return keepPhoto.then(function () {
      return queue(record, displayOf(form, record));
    }).then(function () {
      var panel = form.closest("#entry-panel") || document.getElementById("entry-panel");
      var note = document.createElement("p");
      note.className = "flash flash-success";
      note.setAttribute("role", "status");
      note.setAttribute("tabindex", "-1");
      note.textContent = say(reason === "offline" ? "queued-offline" : reason === "login" ? "login" : "queued-error");
      if (reason !== "login") schedule();
      if (form.closest("#checkpoint-card")) {
        var status = form.querySelector("[data-scan-status]");
        if (status) status.textContent = note.textContent;
        var tokenInput = form.querySelector("[data-scan-token]");
        if (tokenInput) tokenInput.value = "";
        var fresh = form.querySelector('input[name="uuid"]');
        if (fresh && window.crypto && window.crypto.randomUUID) fresh.value = window.crypto.randomUUID();
        return;
      }
      if (panel) {
        panel.textContent = "";
        panel.appendChild(note);
        note.focus();
      }
    });
  }

  document.addEventListener("htmx:sendError", function (event) {
    var form = entryFormOf(event);
    if (form) queueForm(form, "offline");
  });
  document.addEventListener("htmx:timeout", function (event) {
    var form = entryFormOf(event);
    if (form) queueForm(form, "error");  // no answer in time: the server did not answer
  });
  document.addEventListener("htmx:responseError", function (event) {
    var form = entryFormOf(event);
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (!form) return;
    if (status >= 500 || status === 0 || status === 429) {
      queueForm(form, "error");
      return;
    }
    // Any other refusal (a 4xx that is not a form error): said in place, nothing queued.
    var message = say("refused-" + status) || say("refused");
    var alert = form.querySelector("[data-save-error]");
    if (alert) {
      alert.textContent = message;
      alert.hidden = false;
      alert.focus();
    }
  });

  // The session ended while the form was open: the entry waits on the phone, then the
  // login page (htmx would go there at once and lose what was typed).
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var form = entryFormOf(event);
    var xhr = event.detail.xhr;
    if (!form || !xhr || xhr.status !== 401) return;
    event.preventDefault();
    var next = xhr.getResponseHeader("HX-Redirect");
    queueForm(form, "login").then(function () {
      if (!next) return;
      var login = new URL(next, window.location.href);
      login.searchParams.set("next", window.location.pathname);  // back to this screen
      window.location.assign(login.toString());
    });
  });

  // The entry is saved: its photo follows, with progress on the entry itself. One that
  // cannot be sent now waits in the outbox (IndexedDB) and goes with the next send.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = entryFormOf(event);
    if (!form || !event.detail.successful) return;
    var uuidInput = form.querySelector('input[name="uuid"]');
    var entryUuid = uuidInput && uuidInput.value;
    var photo = entryUuid && photoJobs[entryUuid];
    if (!photo) return;
    delete photoJobs[entryUuid];
    photo.then(function (blob) { uploadNow(entryUuid, blob); });
  });

  function entryElement(entryUuid) {
    return document.querySelector('[data-entry-uuid="' + entryUuid + '"]');
  }

  function photoStatus(entryUuid, text, fraction) {
    var item = entryElement(entryUuid);
    if (!item) return;
    var line = item.querySelector("[data-photo-status]");
    if (!line) {
      line = document.createElement("p");
      line.className = "photo-status";
      line.setAttribute("data-photo-status", "");
      line.setAttribute("role", "status");
      item.querySelector(".timeline-head").insertAdjacentElement("afterend", line);
    }
    line.textContent = text;
    if (fraction !== undefined) {
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = Math.round(fraction * 100);
      bar.textContent = bar.value + "%";
      line.appendChild(bar);
    }
  }

  function showThumbnail(entryUuid, body) {
    var item = entryElement(entryUuid);
    if (!item) return;
    var line = item.querySelector("[data-photo-status]");
    if (line) line.remove();
    if (item.querySelector("img.thumb")) return;
    var p = document.createElement("p");
    var a = document.createElement("a");
    a.href = body.photo_url;
    a.target = "_blank";
    a.rel = "noopener";
    var img = document.createElement("img");
    img.className = "thumb";
    img.src = body.thumbnail_url;
    img.width = 96;
    img.height = 72;
    img.alt = say("photo-alt");
    a.appendChild(img);
    p.appendChild(a);
    item.querySelector(".timeline-head").insertAdjacentElement("afterend", p);
  }

  function uploadNow(entryUuid, blob) {
    var url = box.getAttribute("data-photo-url").replace("ENTRY_UUID", entryUuid);
    var body = new FormData();
    body.append("photo", blob, "foto.jpg");
    photoStatus(entryUuid, say("photo-sending"), 0);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.timeout = 180000;
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) photoStatus(entryUuid, say("photo-sending"), event.loaded / event.total);
    };
    function later() {
      Outbox.addPhoto(user, entryUuid, blob).then(function () {
        photoStatus(entryUuid, say("photo-waiting"));
        lastStatus = "error";
        schedule();
        return render();
      });
    }
    xhr.onload = function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText || "{}"); } catch (e) { answer = {}; }
      if (xhr.status >= 200 && xhr.status < 300) {
        showThumbnail(entryUuid, answer);
        return;
      }
      if (xhr.status >= 500 || xhr.status === 400 || xhr.status === 401 || xhr.status === 429) {
        later();  // the server failed, or the session/token must be renewed first
        return;
      }
      photoStatus(entryUuid, say("photo-refused") + " — " + (answer.error || xhr.status));
    };
    xhr.onerror = later;
    xhr.ontimeout = later;
    xhr.send(body);
  }

  // The entry buttons cannot open a form from a server that does not answer: the visit
  // goes on in the offline screen instead.
  function toShell(event) {
    var detail = event.detail || {};
    var button = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    if (!button || !button.closest || !button.closest(".entry-buttons")) return;
    var visitUuid = currentVisitUuid();
    if (!visitUuid) return;
    var panel = /hitung$/.test(button.getAttribute("hx-get")) ? "offline-crowd" : "offline-violation";
    window.location.assign(shellUrl + "?kunjungan=" + encodeURIComponent(visitUuid) + "#" + panel);
  }
  document.addEventListener("htmx:sendError", toShell);
  document.addEventListener("htmx:timeout", toShell);
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr && event.detail.xhr.status >= 500) toShell(event);
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
  function renderPending(list, waiting, rejected, photos) {
    var withPhoto = {};
    (photos || []).forEach(function (photo) { withPhoto[photo.uuid] = photo; });
    list.textContent = "";
    var entries = waiting.map(function (item) { return [item, null]; })
      .concat(rejected.map(function (item) { return [item, item.error || ""]; }))
      .filter(function (pair) {
        var kind = pair[0].record.kind;
        return kind === "violation" || kind === "crowd_count" || kind === "checkpoint_scan";
      })
      .sort(function (a, b) { return a[0].record.recorded_at < b[0].record.recorded_at ? 1 : -1; });
    entries.forEach(function (pair) {
      list.appendChild(pendingItem(pair[0], pair[1], withPhoto[pair[0].record.uuid]));
    });
    return entries.length;
  }

  function pendingItem(item, rejectedError, photo) {
    var record = item.record;
    var display = item.display || {};
    var li = document.createElement("li");
    li.className = "timeline-item is-pending timeline-" + (record.kind === "violation" ? "violation" : "crowd");
    li.setAttribute("data-entry-uuid", record.uuid);
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
    if (photo) {
      var note = document.createElement("p");
      note.className = "photo-status";
      note.textContent = photo.error ? say("photo-refused") + " — " + photo.error : say("photo-waiting");
      li.appendChild(note);
    }
    return li;
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

  // The offline visit screen lives in offline-visit.js (loaded by that page alone); it
  // reaches the outbox through this.
  window.PatroliOutboxPage = {
    outbox: Outbox,
    user: user,
    currentVisitUuid: currentVisitUuid,
    visitInfo: visitInfo,
    recordFromForm: recordFromForm,
    displayOf: displayOf,
    queue: queue,
    send: send,
    renderPending: renderPending,
    clock: clock,
    isOnline: isOnline,
    lastStatus: function () { return lastStatus; }
  };

  // Today's screen (perhaps the phone's last copy): the visit open on this phone is
  // continued from here, never started twice. Known from the server's page itself, from
  // a newer page (memory), or from a visit start still waiting in the outbox.
  var home = document.querySelector("[data-home]");
  if (home) setUpHome(home);

  function setUpHome(page) {
    var rendered = pageTime(page);
    var shown = page.getAttribute("data-open-visit");
    var startForm = page.querySelector("form[data-offline-start]");
    if (shown) {
      rememberOpen(shown, rendered);
      return;  // the page offers to continue it already
    }
    // From the phone's memory at once (no flash of Mulai kunjungan), then with the outbox.
    decide({}, null);
    document.addEventListener("patroli:outbox", function (event) {
      var items = event.detail.waiting;
      var ended = {};
      items.forEach(function (item) {
        if (item.record.kind === "visit_end") ended[item.record.visit_uuid] = true;
      });
      var waitingStart = items.filter(function (item) {
        var kind = item.record.kind;
        return (kind === "visit_start" || kind === "complaint_accept") && !ended[item.record.uuid];
      })[0];
      decide(ended, waitingStart);
    });

    function decide(ended, waitingStart) {
      var known = openVisit();
      var target = null;
      if (waitingStart) {
        target = shellUrl + "?kunjungan=" + encodeURIComponent(waitingStart.record.uuid);
      } else if (known && known.known_at > rendered && !ended[known.uuid]) {
        // This copy of the page is older than the visit: the server has it (or will).
        target = page.getAttribute("data-visit-url").replace("VISIT_UUID", known.uuid);
      } else if (known && !ended[known.uuid]) {
        forgetOpen(known.uuid, rendered);  // the server's page is newer: nothing open
      }
      var link = page.querySelector("[data-offline-continue]");
      if (!target) {
        if (link) link.parentNode.remove();
        if (startForm) startForm.hidden = false;
        return;
      }
      if (!link) {
        var card = document.createElement("section");
        card.className = "card visit-open";
        var title = document.createElement("h2");
        title.textContent = say("open-title");
        link = document.createElement("a");
        link.className = "btn btn-big btn-primary btn-block";
        link.setAttribute("data-offline-continue", "");
        link.textContent = say("continue");
        card.appendChild(title);
        card.appendChild(link);
        var anchor = page.querySelector("[data-visit-start]");
        anchor.parentNode.insertBefore(card, anchor);
      }
      link.href = target;
      if (startForm) startForm.hidden = true;
    }
  }

  // Start -----------------------------------------------------------------------------

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(box.getAttribute("data-sw-url"), {
      scope: box.getAttribute("data-scope")
    }).catch(function () { /* no worker: the outbox still works while the page is open */ });
  }
  render().then(function () {
    return Promise.all([Outbox.pending(user), Outbox.photos(user)]).then(function (found) {
      var photosWaiting = found[1].filter(function (p) { return !p.error; });
      if ((found[0].length || photosWaiting.length) && isOnline()) send();
    });
  });
})();
