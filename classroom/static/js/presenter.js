// Keyboard control of the projector: → or PageDown next, ← or PageUp previous, F full screen.
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
  reveal();
  // The live region is swapped in when the teacher moves on: show the buttons again.
  new MutationObserver(reveal).observe(document.body, { childList: true, subtree: true });
})();
