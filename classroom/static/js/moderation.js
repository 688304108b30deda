// Moderate open answers in place: Approve and Hide post in the background (with the form's
// CSRF token) and swap in only that answer, so the page neither reloads nor jumps.
// Without JavaScript the same forms post and come back to the page. Keys in the list:
// A approve, H hide, J next answer, K previous answer. A flagged answer is never approved
// by one key: A opens its second step ("Approve anyway?") and puts the focus on its button.
(function () {
  "use strict";
  const ITEM = ".moderation li[id^='answer-']";
  // Answers whose second step is open, so a live swap of the page does not close it.
  const opened = new Set();

  function answers() {
    return Array.from(document.querySelectorAll(ITEM));
  }
  async function moderate(form) {
    const item = form.closest(ITEM);
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      cache: "no-store",
    });
    if (!response.ok || !item) {
      form.submit(); // let the server say what went wrong, as without JavaScript
      return;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById(item.id);
    if (!fresh) {
      window.location.reload();
      return;
    }
    opened.delete(item.id);
    item.replaceWith(document.adoptNode(fresh));
    fresh.focus({ preventScroll: true });
  }
  function askFirst(item) {
    const step = item.querySelector("details.approve-flagged");
    if (!step) return;
    opened.add(item.id); // now, not at the toggle event: a swap may come first
    step.open = true;
    const confirm = step.querySelector("form[data-action='approve'] button");
    if (confirm) confirm.focus();
  }
  document.addEventListener("submit", function (event) {
    const form = event.target.closest(".moderation form");
    if (!form || !window.fetch) return;
    event.preventDefault();
    moderate(form).catch(function () {
      form.submit();
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const item = event.target.closest && event.target.closest(ITEM);
    if (!item) return;
    const key = event.key.toLowerCase();
    const all = answers();
    const index = all.indexOf(item);
    let target = null;
    if (key === "a" && item.hasAttribute("data-flagged")) {
      askFirst(item);
    } else if (key === "a" || key === "h") {
      const decision = key === "a" ? "approve" : "hide";
      const form = item.querySelector("form[data-action='" + decision + "']");
      if (form) form.requestSubmit();
    } else if (key === "j") target = all[index + 1];
    else if (key === "k") target = all[index - 1];
    else return;
    event.preventDefault();
    if (target) target.focus();
  });
  document.addEventListener(
    "toggle",
    function (event) {
      const step = event.target;
      if (!step.matches || !step.matches("details.approve-flagged")) return;
      const item = step.closest(ITEM);
      if (!item) return;
      if (step.open) opened.add(item.id);
      else opened.delete(item.id);
    },
    true,
  );
  document.addEventListener("live:swapped", function () {
    opened.forEach(function (id) {
      const step = document.querySelector("#" + CSS.escape(id) + " details.approve-flagged");
      if (step) step.open = true;
      else opened.delete(id);
    });
  });
  function showKeys() {
    document.querySelectorAll("[data-moderation-keys]").forEach(function (element) {
      element.hidden = false;
    });
  }
  showKeys();
  new MutationObserver(showKeys).observe(document.body, { childList: true, subtree: true });
})();
