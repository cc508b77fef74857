// Patroli's service worker (scope /patroli/), rendered by patrol.service_worker.
// Keeps the app shell, the static files and the officer's recent pages so the phone works
// without signal, and sends the outbox in the background where the browser allows it.
// Caches carry a version derived from every static file: a new release replaces them.
"use strict";

var VERSION = {{ cache_version | tojson }};
var STATIC_CACHE = "patroli-static-" + VERSION;
var PAGES_CACHE = "patroli-pages-" + VERSION;
var STATIC_URLS = {{ static_urls | tojson }};
var PAGE_URLS = {{ page_urls | tojson }};
var SHELL_URL = {{ shell_url | tojson }};
var HOME_URL = {{ home_url | tojson }};
var LOGOUT_URLS = {{ logout_urls | tojson }};
var VISIT_PATH = /\/kunjungan\/[0-9a-f-]{36}$/;

importScripts({{ core_url | tojson }});

self.addEventListener("install", function (event) {
  event.waitUntil(
    Promise.all([
      caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(STATIC_URLS); }),
      // Pages need the officer's session; a page that cannot be had now is cached later.
      caches.open(PAGES_CACHE).then(function (cache) {
        return Promise.all(PAGE_URLS.map(function (url) {
          return fetch(url, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
            if (response.ok && response.type === "basic") return cache.put(url, response);
            return null;
          }).catch(function () { return null; });
        }));
      })
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

// Pages: the network first (fresh data), the last copy when there is no signal.
function networkFirst(request, url) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { cache.put(request, copy); });
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
    event.waitUntil(caches.delete(PAGES_CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && url.pathname.indexOf(HOME_URL) === 0) {
    event.respondWith(networkFirst(request, url));
  }
});

// Background Sync: the browser wakes the worker when the network is back.
self.addEventListener("sync", function (event) {
  if (event.tag === PatroliOutbox.SYNC_TAG) {
    event.waitUntil(PatroliOutbox.flush({ fetchToken: true }));
  }
});
