// Patroli's service worker (scope /patroli/), rendered by patrol.service_worker.
// Keeps the app shell, the static files and the officer's pages that may be kept so the
// phone works without signal, and sends the outbox in the background where the browser
// allows it. Caches carry a version derived from every static file: a new release
// replaces them.
//
// Personal data stays off the phone: a page sent with Cache-Control no-store (every staff
// page but the home and the offline shell) is never kept. The kept pages belong to the
// user who filled the cache (the owner header); they are dropped when a page of another
// user arrives, when the server answers without a session (401, a redirect to the login,
// a page without owner), at logout, and when the login page says no one is logged in.
"use strict";

var VERSION = {{ cache_version | tojson }};
var STATIC_CACHE = "patroli-static-" + VERSION;
var PAGES_CACHE = "patroli-pages-" + VERSION;
var STATIC_URLS = {{ static_urls | tojson }};
var PAGE_URLS = {{ page_urls | tojson }};
var SHELL_URL = {{ shell_url | tojson }};
var HOME_URL = {{ home_url | tojson }};
var LOGOUT_URLS = {{ logout_urls | tojson }};
var OWNER_HEADER = {{ owner_header | tojson }};
var OWNER_KEY = HOME_URL + "__cache-owner__";
var VISIT_PATH = /\/kunjungan\/[0-9a-f-]{36}$/;

importScripts({{ core_url | tojson }});

// A page may be kept when it is this site's own, complete, and not marked no-store.
function keepable(response) {
  if (!response.ok || response.type !== "basic" || response.redirected) return false;
  return !/no-store/i.test(response.headers.get("Cache-Control") || "");
}

function clearPages() {
  return caches.delete(PAGES_CACHE);
}

// The kept pages are the owner's only: a page of someone else (or of no one) empties the
// cache before anything of theirs is kept.
function claimPages(response) {
  var owner = response.headers.get(OWNER_HEADER) || "";
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.match(OWNER_KEY).then(function (hit) {
      return hit ? hit.text() : null;
    }).then(function (previous) {
      if (previous === owner) return cache;
      return clearPages().then(function () {
        if (!owner) return null;
        return caches.open(PAGES_CACHE).then(function (fresh) {
          return fresh.put(OWNER_KEY, new Response(owner)).then(function () { return fresh; });
        });
      });
    });
  });
}

// One page kept at a time: the install keeps the home page and the offline screen at once,
// and two claims side by side would each find no owner and empty the cache, losing the
// page the other had just kept (the offline screen, sometimes, on the first login).
var keeping = Promise.resolve();

function keep(request, response) {
  // A page without an owner means no session: the kept pages go, nothing is kept.
  var done = keeping.then(function () {
    return claimPages(response).then(function (cache) {
      if (cache && keepable(response)) return cache.put(request, response);
      return null;
    });
  });
  keeping = done.catch(function () { return null; });
  return done;
}

function clearPagesInTurn() {
  var done = keeping.then(clearPages);
  keeping = done.catch(function () { return null; });
  return done;
}

// The server says the session is gone: a 401, or a redirect (to the login page).
function sessionGone(response) {
  return response.status === 401 || response.type === "opaqueredirect";
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    Promise.all([
      caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(STATIC_URLS); }),
      // Pages need the officer's session; a page that cannot be had now is cached later.
      Promise.all(PAGE_URLS.map(function (url) {
        return fetch(url, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
          if (sessionGone(response)) return clearPagesInTurn();
          if (response.ok && response.type === "basic") return keep(url, response);
          return null;
        }).catch(function () { return null; });
      }))
    ]).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("patroli-") === 0 && name !== STATIC_CACHE && name !== PAGES_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function cacheFirst(request) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

function offlineResponse() {
  return new Response(
    "<!doctype html><meta charset=utf-8><title>Patroli</title><p>Tidak ada sinyal. " +
    "<a href=\"" + HOME_URL + "\">Kembali</a></p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
  );
}

function fromCache(request, url) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) return hit;
      if (url.pathname === SHELL_URL || VISIT_PATH.test(url.pathname)) {
        return cache.match(SHELL_URL, { ignoreSearch: true });
      }
      return cache.match(HOME_URL);
    }).then(function (hit) { return hit || offlineResponse(); });
  });
}

// Pages: the network first (fresh data), the last copy kept when there is no signal.
function networkFirst(event, request, url) {
  return fetch(request).then(function (response) {
    if (sessionGone(response)) {
      event.waitUntil(clearPagesInTurn());
      return response;
    }
    if (response.ok && response.type === "basic" && !response.redirected) {
      event.waitUntil(keep(request, response.clone()));
      return response;
    }
    // A visit started offline is not on the server yet: its screen comes from the outbox.
    if (response.status === 404 && VISIT_PATH.test(url.pathname)) {
      return caches.open(PAGES_CACHE).then(function (cache) {
        return cache.match(SHELL_URL, { ignoreSearch: true });
      }).then(function (hit) { return hit || response; });
    }
    return response;
  }).catch(function () { return fromCache(request, url); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && LOGOUT_URLS.indexOf(url.pathname) !== -1) {
    // Pages hold personal data: they leave the phone with the officer's session.
    event.waitUntil(clearPagesInTurn());
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && url.pathname.indexOf(HOME_URL) === 0) {
    event.respondWith(networkFirst(event, request, url));
  }
});

// The login page (outside this worker's scope) says no one is logged in on this phone.
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "patroli-session-ended") {
    event.waitUntil(clearPagesInTurn());
  }
});

// Background Sync: the browser wakes the worker when the network is back.
self.addEventListener("sync", function (event) {
  if (event.tag === PatroliOutbox.SYNC_TAG) {
    event.waitUntil(PatroliOutbox.flush({ fetchToken: true }));
  }
});
