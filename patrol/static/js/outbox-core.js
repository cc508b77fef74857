// The phone's outbox: entries that could not be sent yet, kept in IndexedDB until the
// server confirms them. Shared by the pages (outbox.js) and the service worker (Background
// Sync), so it touches no DOM. An entry leaves the outbox only when the server answered
// "created" or "duplicate"; "rejected" and "conflict" are kept aside with the reason.
(function (scope) {
  "use strict";

  var DB_NAME = "patroli-outbox";
  var PENDING = "pending";
  var SET_ASIDE = "rejected";
  var MAX_BATCH = 500;
  var flushing = null;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        // seq grows with every entry: sending in seq order is sending oldest first.
        db.createObjectStore(PENDING, { keyPath: "seq", autoIncrement: true });
        db.createObjectStore(SET_ASIDE, { keyPath: "seq", autoIncrement: true });
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

  function freshToken(tokenUrl) {
    return fetch(tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) return { login: true };
        if (!response.ok) throw new Error("token " + response.status);
        return response.json();
      });
  }

  function post(syncUrl, token, records) {
    return fetch(syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
      body: JSON.stringify({ records: records })
    });
  }

  // Send everything waiting, oldest first, in batches the server accepts. Answers a
  // summary: status "done", "offline" (no network), "login" (session ended) or "error".
  async function send(options) {
    var syncUrl = options.syncUrl || "/api/v1/sync";
    var tokenUrl = options.tokenUrl || "/api/v1/csrf-token";
    var token = options.token;
    var user = options.user;
    var total = { status: "done", sent: 0, setAside: 0 };
    try {
      if (options.fetchToken || !token || user === undefined) {
        var fresh = await freshToken(tokenUrl);
        if (fresh.login) return { status: "login", sent: 0, setAside: 0 };
        token = fresh.csrf_token;
        if (user === undefined) user = fresh.user_id;
      }
      for (;;) {
        var items = (await pending(user)).sort(function (a, b) { return a.seq - b.seq; });
        if (!items.length) return total;
        var batch = items.slice(0, MAX_BATCH);
        var records = batch.map(function (item) { return item.record; });
        var response = await post(syncUrl, token, records);
        if (response.status === 400) {
          // An expired CSRF token: fetch a new one and try once more.
          var again = await freshToken(tokenUrl);
          if (again.login) return { status: "login", sent: total.sent, setAside: total.setAside };
          token = again.csrf_token;
          if (options.onToken) options.onToken(token);
          response = await post(syncUrl, token, records);
        }
        if (response.status === 401) return { status: "login", sent: total.sent, setAside: total.setAside };
        if (!response.ok) return { status: "error", code: response.status, sent: total.sent, setAside: total.setAside };
        var body = await response.json();
        var counts = await settle(batch, body.results || []);
        total.sent += counts.sent;
        total.setAside += counts.setAside;
        if (counts.sent + counts.setAside === 0) return total;  // nothing moved: stop
      }
    } catch (error) {
      // fetch rejects without a network: the outbox stays as it is.
      return { status: "offline", sent: total.sent, setAside: total.setAside };
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
    clearSetAside: clearSetAside,
    flush: flush
  };
})(typeof self !== "undefined" ? self : window);
