// Office check-in: remember the visitor's details on this phone only, share location on
// request, keep a double tap from sending twice, print posters. No inline code (CSP).
(function () {
  "use strict";
  var STORE = "patroli.visitor";
  var REMEMBERED = ["name", "phone", "purpose", "vaccine_doses"];

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(STORE) || "{}") || {};
    } catch (error) {
      return {};
    }
  }

  function remember(form) {
    var saved = {};
    REMEMBERED.forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) saved[name] = field.value;
    });
    try {
      window.localStorage.setItem(STORE, JSON.stringify(saved));
    } catch (error) {
      // Private mode or full storage: the visitor types again next time.
    }
  }

  function prefill(form) {
    var saved = load();
    REMEMBERED.forEach(function (name) {
      var field = form.elements[name];
      if (field && !field.value && saved[name]) field.value = saved[name];
    });
  }

  function shareLocation(form, button) {
    var status = form.querySelector("[data-location-status]");
    if (!navigator.geolocation) {
      status.textContent = status.dataset.msgFail;
      return;
    }
    status.textContent = status.dataset.msgWait;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.querySelector("[data-geo=lat]").value = position.coords.latitude;
        form.querySelector("[data-geo=lon]").value = position.coords.longitude;
        form.querySelector("[data-geo=accuracy]").value = Math.round(position.coords.accuracy);
        status.textContent = status.dataset.msgOk;
        button.setAttribute("aria-pressed", "true");
      },
      function () {
        status.textContent = status.dataset.msgFail;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  // Back to a page kept in the browser's memory: let its forms be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.sent;
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-remember]").forEach(function (form) {
      prefill(form);
      form.addEventListener("submit", function () {
        remember(form);
      });
      var share = form.querySelector("[data-share-location]");
      if (share) {
        share.addEventListener("click", function () {
          shareLocation(form, share);
        });
      }
      var forget = form.querySelector("[data-forget]");
      if (forget) {
        forget.addEventListener("click", function () {
          window.localStorage.removeItem(STORE);
          REMEMBERED.forEach(function (name) {
            if (form.elements[name]) form.elements[name].value = "";
          });
        });
      }
    });
    // A second tap while the first submission is on its way would only resend the same
    // client UUID (the server keeps one check-in), but it also confuses; ignore it.
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) {
          event.preventDefault();
          return;
        }
        form.dataset.sent = "1";
      });
    });
    // Ask before an action that cannot be undone (checking everybody out).
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () {
        window.print();
      });
    });
  });
})();
