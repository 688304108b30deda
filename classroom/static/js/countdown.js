// The countdown on the projector: counts the seconds down from what the server said was
// left (so a wrong clock on the projector's laptop does not matter). Silent at zero.
(function () {
  "use strict";
  let started = null;
  let clock = null;
  function show() {
    const element = document.querySelector("[data-countdown]");
    if (!element) {
      clock = null;
      return;
    }
    if (element !== clock) {
      clock = element;
      started = Date.now();
    }
    const total = Number(element.dataset.countdown);
    const left = Math.max(0, total - Math.floor((Date.now() - started) / 1000));
    const text = element.querySelector("[data-countdown-text]");
    text.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    element.classList.toggle("countdown-done", left === 0);
  }
  show();
  window.setInterval(show, 1000);
})();
