// The phone's outbox: entries that could not be sent yet, kept in IndexedDB until the
// server confirms them. Shared by the pages (outbox.js) and the service worker (Background
// Sync), so it touches no DOM. An entry leaves the outbox only when the server answered
// "created" or "duplicate"; "rejected" and "conflict" are kept aside with the reason.
(function (scope) {
  "use strict";

  var DB_NAME = "patroli-outbox";
  var PENDING = "pending";
  var SET_ASIDE = "rejected";
  // A violation's photo (a Blob, shrunk on the phone), keyed by the violation's UUID: it
  // is sent once its entry has reached the server (POST /api/v1/entries/<uuid>/photo).
  var PHOTOS = "photos";
  var MAX_BATCH = 500;
  var flushing = null;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 2);
      request.onupgradeneeded = function () {
        var db = request.result;
        var names = db.objectStoreNames;
        // seq grows with every entry: sending in seq order is sending oldest first.
        if (!names.contains(PENDING)) db.createObjectStore(PENDING, { keyPath: "seq", autoIncrement: true });
        if (!names.contains(SET_ASIDE)) db.createObjectStore(SET_ASIDE, { keyPath: "seq", autoIncrement: true });
        if (!names.contains(PHOTOS)) db.createObjectStore(PHOTOS, { keyPath: "uuid" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result = work(tx.objectStore(storeName));
        tx.oncomplete = function () { db.close(); resolve(result && result.value); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all(storeName, user) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = db.transaction(storeName, "readonly").objectStore(storeName).getAll();
        request.onsuccess = function () {
          db.close();
          resolve(request.result.filter(function (item) { return item.user === user; }));
        };
        request.onerror = function () { db.close(); reject(request.error); };
      });
    });
  }

  // Entries belong to the officer who made them: another officer logging in on the same
  // phone never sends them under their own name.
  // display: what the timeline shows meanwhile (labels in the officer's language).
  function add(user, record, display) {
    return run(PENDING, "readwrite", function (store) {
      store.add({ user: user, record: record, display: display || null, added_at: new Date().toISOString() });
    });
  }

  function pending(user) { return all(PENDING, user); }
  function setAside(user) { return all(SET_ASIDE, user); }
  function photos(user) { return all(PHOTOS, user); }

  // Keep a photo for an entry until the server has it (error: why the server refused it).
  function addPhoto(user, entryUuid, blob) {
    return run(PHOTOS, "readwrite", function (store) {
      store.put({ uuid: entryUuid, user: user, blob: blob, error: null, added_at: new Date().toISOString() });
    });
  }

  function removePhoto(entryUuid) {
    return run(PHOTOS, "readwrite", function (store) { store.delete(entryUuid); });
  }

  function refusePhoto(item, error) {
    return run(PHOTOS, "readwrite", function (store) {
      item.error = error || "";
      store.put(item);
    });
  }

  // A refused entry goes back to the queue, changed where the officer fixed it.
  function resend(seq, changes) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction([PENDING, SET_ASIDE], "readwrite");
        var request = tx.objectStore(SET_ASIDE).get(seq);
        request.onsuccess = function () {
          var item = request.result;
          if (!item) return;
          var record = item.record;
          Object.keys(changes || {}).forEach(function (key) { record[key] = changes[key]; });
          tx.objectStore(SET_ASIDE).delete(seq);
          tx.objectStore(PENDING).add({
            user: item.user, record: record, display: item.display, added_at: new Date().toISOString()
          });
        };
        tx.oncomplete = function () { db.close(); resolve(); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function discard(seq) {
    return run(SET_ASIDE, "readwrite", function (store) { store.delete(seq); });
  }

  function clearSetAside(user) {
    return setAside(user).then(function (items) {
      return run(SET_ASIDE, "readwrite", function (store) {
        items.forEach(function (item) { store.delete(item.seq); });
      });
    });
  }

  function settle(items, results) {
    var byUuid = {};
    results.forEach(function (result) { if (result.uuid) byUuid[result.uuid] = result; });
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction([PENDING, SET_ASIDE], "readwrite");
        var counts = { sent: 0, setAside: 0 };
        items.forEach(function (item) {
          var result = byUuid[item.record.uuid];
          if (!result) return;  // not answered: stays for the next round
          tx.objectStore(PENDING).delete(item.seq);
          if (result.status === "created" || result.status === "duplicate") {
            counts.sent += 1;
          } else {
            counts.setAside += 1;
            tx.objectStore(SET_ASIDE).add({
              user: item.user, record: item.record, display: item.display, status: result.status,
              error: result.error || "", at: new Date().toISOString()
            });
          }
        });
        tx.oncomplete = function () { db.close(); resolve(counts); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  // A request that gets no answer in time is given up (the entries stay in the outbox).
  // A photo on a slow uplink is given longer.
  var TIMEOUT_MS = 30000;
  var PHOTO_TIMEOUT_MS = 180000;

  function timedFetch(url, init, ms) {
    if (typeof AbortController === "undefined") return fetch(url, init);
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, ms || TIMEOUT_MS);
    init.signal = controller.signal;
    return fetch(url, init).finally(function () { clearTimeout(timer); });
  }

  function freshToken(tokenUrl) {
    return timedFetch(tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) return { login: true };
        if (!response.ok) throw new Error("token " + response.status);
        return response.json();
      });
  }

  function post(syncUrl, token, records) {
    return timedFetch(syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
      body: JSON.stringify({ records: records })
    });
  }

  function postPhoto(photoUrl, token, item) {
    var body = new FormData();
    body.append("photo", item.blob, "foto.jpg");
    return timedFetch(photoUrl.replace("ENTRY_UUID", item.uuid), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, Accept: "application/json" },
      body: body
    }, PHOTO_TIMEOUT_MS);
  }

  // Photos whose entries the server has: each once; a refused one is kept with the reason.
  async function sendPhotos(options, token, user, total) {
    var photoUrl = options.photoUrl || "/api/v1/entries/ENTRY_UUID/photo";
    var waiting = {};
    (await pending(user)).concat(await setAside(user)).forEach(function (item) {
      waiting[item.record.uuid] = true;
    });
    var items = (await photos(user)).filter(function (item) { return !item.error && !waiting[item.uuid]; });
    for (var i = 0; i < items.length; i++) {
      var response = await postPhoto(photoUrl, token, items[i]);
      if (response.status === 400) {
        var again = await freshToken(options.tokenUrl || "/api/v1/csrf-token");
        if (again.login) return "login";
        token = again.csrf_token;
        if (options.onToken) options.onToken(token);
        response = await postPhoto(photoUrl, token, items[i]);
      }
      if (response.status === 401) return "login";
      if (response.ok) {
        var answer = await response.json().catch(function () { return {}; });
        await removePhoto(items[i].uuid);
        total.photos += 1;
        total.photoAnswers.push({ uuid: items[i].uuid, answer: answer });
        continue;
      }
      if (response.status >= 500 || response.status === 429) return "error";
      var body = await response.json().catch(function () { return {}; });
      await refusePhoto(items[i], body.error || String(response.status));
      total.setAside += 1;
    }
    return "done";
  }

  // Send everything waiting, oldest first, in batches the server accepts, then the photos
  // of entries the server has. Answers a summary: status "done", "offline" (no network or
  // no answer in time), "login" (session ended) or "error" (the server failed).
  async function send(options) {
    var syncUrl = options.syncUrl || "/api/v1/sync";
    var tokenUrl = options.tokenUrl || "/api/v1/csrf-token";
    var token = options.token;
    var user = options.user;
    var total = { status: "done", sent: 0, setAside: 0, photos: 0, photoAnswers: [] };
    try {
      if (options.fetchToken || !token || user === undefined) {
        var fresh = await freshToken(tokenUrl);
        if (fresh.login) return { status: "login", sent: 0, setAside: 0 };
        token = fresh.csrf_token;
        if (user === undefined) user = fresh.user_id;
      }
      for (;;) {
        var items = (await pending(user)).sort(function (a, b) { return a.seq - b.seq; });
        if (!items.length) {
          total.status = await sendPhotos(options, token, user, total);
          return total;
        }
        var batch = items.slice(0, MAX_BATCH);
        var records = batch.map(function (item) { return item.record; });
        var response = await post(syncUrl, token, records);
        if (response.status === 400) {
          // An expired CSRF token: fetch a new one and try once more.
          var again = await freshToken(tokenUrl);
          if (again.login) return { status: "login", sent: total.sent, setAside: total.setAside, photos: total.photos };
          token = again.csrf_token;
          if (options.onToken) options.onToken(token);
          response = await post(syncUrl, token, records);
        }
        if (response.status === 401) return { status: "login", sent: total.sent, setAside: total.setAside, photos: total.photos };
        if (!response.ok) return { status: "error", code: response.status, sent: total.sent, setAside: total.setAside, photos: total.photos };
        var body = await response.json();
        var counts = await settle(batch, body.results || []);
        total.sent += counts.sent;
        total.setAside += counts.setAside;
        if (counts.sent + counts.setAside === 0) return total;  // nothing moved: stop
      }
    } catch (error) {
      // fetch rejects without a network: the outbox stays as it is.
      return { status: "offline", sent: total.sent, setAside: total.setAside, photos: total.photos };
    }
  }

  function flush(options) {
    if (!flushing) {
      flushing = send(options || {}).finally(function () { flushing = null; });
    }
    return flushing;
  }

  scope.PatroliOutbox = {
    SYNC_TAG: "patroli-outbox",
    add: add,
    pending: pending,
    setAside: setAside,
    photos: photos,
    addPhoto: addPhoto,
    removePhoto: removePhoto,
    resend: resend,
    discard: discard,
    clearSetAside: clearSetAside,
    flush: flush
  };
})(typeof self !== "undefined" ? self : window);
