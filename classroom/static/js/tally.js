// Hands up on the compact screen: +1 and -1 per letter fill the number fields at once.
// Without this script the number fields work alone; nothing is saved until the form is sent.
(function () {
  "use strict";
  // Counts typed so far, by form address: a live swap of the page (another step, a new
  // version) must not lose hands already counted for the same question.
  const kept = {};

  function remember(form) {
    const values = {};
    form.querySelectorAll("input[type=text], input:not([type])").forEach(function (input) {
      values[input.name] = input.value;
    });
    kept[form.getAttribute("action")] = values;
  }

  function say(form, input) {
    const said = form.querySelector("[data-tally-said]");
    const label = form.querySelector("label[for='" + input.id + "']");
    if (said && label) said.textContent = label.textContent.trim() + ": " + input.value;
  }

  function step(button) {
    const form = button.closest("form");
    const input = document.getElementById(button.dataset.target);
    if (!form || !input) return;
    const now = parseInt(input.value, 10);
    const next = Math.max(0, (Number.isNaN(now) ? 0 : now) + Number(button.dataset.tallyStep));
    input.value = String(next);
    remember(form);
    say(form, input);
  }

  function setUp() {
    document.querySelectorAll("[data-hands-count]").forEach(function (form) {
      const values = kept[form.getAttribute("action")];
      if (values) {
        Object.keys(values).forEach(function (name) {
          const input = form.elements.namedItem(name);
          if (input && input.type !== "hidden") input.value = values[name];
        });
      }
      form.querySelectorAll("[data-tally-step]").forEach(function (button) {
        button.hidden = false;
      });
      if (form.dataset.tallyReady) return;
      form.dataset.tallyReady = "1";
      form.addEventListener("click", function (event) {
        const button = event.target.closest("[data-tally-step]");
        if (button) step(button);
      });
      form.addEventListener("input", function () {
        remember(form);
      });
      form.addEventListener("submit", function () {
        delete kept[form.getAttribute("action")];
      });
    });
  }

  setUp();
  document.addEventListener("live:swapped", setUp);
})();
