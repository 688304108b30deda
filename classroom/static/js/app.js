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
  // The database could not serve (503): after Retry-After seconds the page goes back by
  // itself, a phone to its lesson, so nobody is left on an error page.
  document.querySelectorAll("[data-return-to]").forEach(function (link) {
    var seconds = parseInt(link.getAttribute("data-retry-after"), 10) || 2;
    window.setTimeout(function () {
      window.location.replace(link.getAttribute("data-return-to"));
    }, seconds * 1000);
  });
  // The start form's size follows the chosen class, where the class has one.
  document.querySelectorAll("select[data-class-sizes]").forEach(function (select) {
    var sizes = JSON.parse(select.getAttribute("data-class-sizes") || "{}");
    var field = select.form && select.form.querySelector("[data-class-size]");
    if (!field) return;
    select.addEventListener("change", function () {
      field.value = sizes[select.value] || "";
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
