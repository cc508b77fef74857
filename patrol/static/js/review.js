// The review queue at a desk: J/K move between violations, S approves, B sends back
// (the comment box first, as a reason is required), C opens the printable record.
// Keys are ignored while typing; every action is also a plain button or link.
(function () {
  "use strict";

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll(".review-item"));
  }

  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest(".review-item") : null;
  }

  function focusItem(item) {
    if (!item) return;
    item.focus();
    item.scrollIntoView({ block: "start", behavior: "auto" });
  }

  function move(step) {
    var list = items();
    if (!list.length) return;
    var index = list.indexOf(current());
    focusItem(list[Math.min(list.length - 1, Math.max(0, index + step))] || list[0]);
  }

  function decide(item, kind) {
    if (!item) return;
    var button = item.querySelector('[data-review="' + kind + '"]');
    if (!button) return;
    var comment = item.querySelector("textarea");
    if (kind === "return" && comment && !comment.value.trim()) {
      comment.focus();
      return;
    }
    button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing) {
      // In the comment box, Ctrl is free: Enter alone keeps its meaning (a new line).
      return;
    }
    var key = event.key.toLowerCase();
    var item = current() || items()[0];
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (key === "s") decide(item, "approve");
    else if (key === "b") decide(item, "return");
    else if (key === "c" && item) {
      var link = item.querySelector(".review-print");
      if (link) link.click();
    } else return;
    event.preventDefault();
  });

  // After a decision, go on to the next violation.
  document.addEventListener("htmx:afterSwap", function (event) {
    var item = event.target && event.target.closest && event.target.closest(".review-item");
    if (!item || !item.querySelector(".review-done")) return;
    var list = items();
    focusItem(list[list.indexOf(item) + 1]);
  });
})();
