// Patroli's shared script: small and free of inline code (the CSP allows only 'self').
// htmx reads the CSRF token from hx-headers on <body>; nothing else is needed here yet.
(function () {
  "use strict";
  // After an htmx swap, move focus to an element that asks for it (screen readers, one hand).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt.querySelector("[data-autofocus]");
    if (target) target.focus();
  });
})();
