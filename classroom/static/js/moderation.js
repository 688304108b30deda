// Moderate open answers in place: Approve and Hide post in the background (with the form's
// CSRF token) and swap in only that answer, so the page neither reloads nor jumps.
// Without JavaScript the same forms post and come back to the page. Keys in the list:
// A approve, H hide, J next answer, K previous answer.
(function () {
  "use strict";
  function answers() {
    return Array.from(document.querySelectorAll(".moderation li[id^='answer-']"));
  }
  async function moderate(form) {
    const item = form.closest("li[id^='answer-']");
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
    item.replaceWith(document.adoptNode(fresh));
    fresh.focus({ preventScroll: true });
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
    const item = event.target.closest && event.target.closest(".moderation li[id^='answer-']");
    if (!item) return;
    const key = event.key.toLowerCase();
    const all = answers();
    const index = all.indexOf(item);
    let target = null;
    if (key === "a" || key === "h") {
      const decision = key === "a" ? "approve" : "hide";
      const form = item.querySelector("form[action$='/" + decision + "']");
      if (form) form.requestSubmit();
    } else if (key === "j") target = all[index + 1];
    else if (key === "k") target = all[index - 1];
    else return;
    event.preventDefault();
    if (target) target.focus();
  });
  function showKeys() {
    document.querySelectorAll("[data-moderation-keys]").forEach(function (element) {
      element.hidden = false;
    });
  }
  showKeys();
  new MutationObserver(showKeys).observe(document.body, { childList: true, subtree: true });
})();
