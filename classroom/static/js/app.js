// Small enhancements for every page; everything works without them.
(function () {
  "use strict";
  // A refused answer (503, the database was busy) is sent again once, by itself.
  document.querySelectorAll("form[data-retry-once]").forEach(function (form) {
    var seconds = parseInt(form.getAttribute("data-retry-after"), 10) || 2;
    window.setTimeout(function () {
      form.submit();
    }, seconds * 1000);
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
