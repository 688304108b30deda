// The own-question form shows only the fields of the chosen kind of question; without
// JavaScript every field shows, named with its kinds, and the server ignores those of
// other kinds. After a refused question the error summary at the top takes the focus,
// and its links take the focus to the field.
(function () {
  "use strict";
  function update() {
    const select = document.querySelector(".own-question select[name='type']");
    if (!select) return;
    document.querySelectorAll(".own-question [data-for-types]").forEach(function (group) {
      group.hidden = group.dataset.forTypes.split(" ").indexOf(select.value) === -1;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches(".own-question select[name='type']")) update();
  });
  update();
  new MutationObserver(update).observe(document.body, { childList: true, subtree: true });

  const summary = document.getElementById("error-summary");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
  });
})();
