// Office check-in: remember the visitor's details on this phone only, share location on
// request, show every missing answer at once beside its field, keep a double tap from
// sending twice, ask before irreversible actions, print posters. No inline code (CSP).
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

  // The browser's own checks (required) run first; instead of its one bubble at a time,
  // every invalid field gets its message beside it and the first one takes the focus.
  function fieldOf(element) {
    return element.closest(".field");
  }

  function showError(field, message) {
    var error = field.querySelector("[data-client-error]");
    if (!error) {
      error = document.createElement("p");
      error.className = "field-error";
      error.setAttribute("data-client-error", "");
      error.id = "err-" + Math.random().toString(36).slice(2);
      field.appendChild(error);
    }
    error.textContent = message;
    field.classList.add("has-error");
    field.querySelectorAll("input, select, textarea").forEach(function (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", error.id);
    });
  }

  function clearError(field) {
    var error = field.querySelector("[data-client-error]");
    if (error) error.remove();
    if (!field.querySelector(".field-error")) field.classList.remove("has-error");
  }

  function checkAll(form, event) {
    var first = null;
    form.querySelectorAll(".field").forEach(function (field) {
      var invalid = Array.prototype.filter.call(
        field.querySelectorAll("input, select, textarea"),
        function (control) { return !control.checkValidity(); }
      );
      if (invalid.length) {
        showError(field, field.dataset.msg || invalid[0].validationMessage);
        if (!first) first = invalid[0];
      } else {
        clearError(field);
      }
    });
    if (first) {
      event.preventDefault();
      showAll(form);
      first.focus();
      first.scrollIntoView({ block: "center" });
    }
    return !first;
  }

  // A returning visitor sees their remembered details as one line, so the health
  // questions and the Check in button fit on the first screen.
  function showAll(form) {
    form.classList.remove("is-returning");
    var box = form.querySelector("[data-returning]");
    if (box) box.hidden = true;
  }

  function collapseRemembered(form) {
    var box = form.querySelector("[data-returning]");
    if (!box || form.hasAttribute("data-has-errors")) return;
    var values = REMEMBERED.map(function (name) {
      var field = form.elements[name];
      return field ? field.value : "";
    });
    if (values.some(function (value) { return !value; })) return;
    var doses = form.elements.vaccine_doses;
    box.querySelector("[data-returning-text]").textContent = [
      values[0], values[1], values[2], doses.options[doses.selectedIndex].text
    ].join(" · ");
    box.hidden = false;
    form.classList.add("is-returning");
    box.querySelector("[data-returning-edit]").addEventListener("click", function () {
      showAll(form);
      form.elements.name.focus();
    });
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
      collapseRemembered(form);
      // Checked here, all fields at once; the browser would show one bubble at a time.
      form.noValidate = true;
      form.addEventListener("submit", function (event) {
        if (!checkAll(form, event)) {
          event.stopImmediatePropagation();
          return;
        }
        remember(form);
      });
      form.addEventListener("change", function (event) {
        var field = fieldOf(event.target);
        if (field && event.target.checkValidity()) clearError(field);
      });
      // The server's answer with errors: its first field has autofocus; make sure it is
      // in view below the sticky header too.
      var invalid = form.querySelector("[aria-invalid=true]");
      if (invalid) {
        invalid.focus();
        invalid.scrollIntoView({ block: "center" });
      }
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
          showAll(form);
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
