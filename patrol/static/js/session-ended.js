// On the login page nobody is logged in on this phone: the officer app's service worker
// drops the pages it kept (they belonged to a session that has ended). The outbox of
// unsent entries is not touched: it is sent after the next login.
"use strict";
(function () {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.getRegistrations().then(function (registrations) {
    registrations.forEach(function (registration) {
      if (registration.active) registration.active.postMessage({ type: "patroli-session-ended" });
    });
  }).catch(function () { /* no service worker: nothing kept */ });
})();
