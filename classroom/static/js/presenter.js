// Keyboard control of the projector: → or PageDown next, ← or PageUp previous, F full screen;
// and type that steps down on a screen with more on it than the wall holds.
(function () {
  "use strict";
  function submit(role) {
    const form = document.querySelector('form[data-action="' + role + '"]');
    if (form) form.submit();
  }
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(function () {});
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select")) return;
    if (event.key === "ArrowRight" || event.key === "PageDown") submit("next");
    else if (event.key === "ArrowLeft" || event.key === "PageUp") submit("previous");
    else if (event.key === "f" || event.key === "F") toggleFullscreen();
    else return;
    event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-fullscreen]")) toggleFullscreen();
  });
  function reveal() {
    document.querySelectorAll("[data-fullscreen], [data-keys-hint]").forEach(function (element) {
      element.hidden = false;
    });
  }
  // A screen with more on it than the wall holds steps down in type size until it fits
  // (the fit-N classes of presenter.css); most screens fit at step 0.
  const STEPS = 6;
  function overflows(box) {
    return box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1;
  }
  function fit() {
    document.querySelectorAll(".present-grid .stage, .present-grid .join-box").forEach(
      function (box) {
        let step = 0;
        for (let n = 1; n <= STEPS; n++) box.classList.remove("fit-" + n);
        while (overflows(box) && step < STEPS) {
          if (step) box.classList.remove("fit-" + step);
          step += 1;
          box.classList.add("fit-" + step);
        }
      },
    );
  }
  function refresh() {
    reveal();
    fit();
  }
  refresh();
  window.addEventListener("resize", fit);
  // The live region is swapped in when the teacher moves on: show the buttons again.
  new MutationObserver(refresh).observe(document.body, { childList: true, subtree: true });
})();
