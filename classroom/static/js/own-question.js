// The own-question form shows only the fields of the chosen kind of question; without
// JavaScript every field shows and the server ignores those of other kinds.
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
})();
