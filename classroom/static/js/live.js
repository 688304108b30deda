// Follow the teacher without reloading by hand: ask the state URL whether anything
// changed (ETag, usually answered 304) and swap in the fresh page when it did.
(function () {
  "use strict";
  const root = document.querySelector("[data-state-url]");
  if (!root) return;
  const stateUrl = root.dataset.stateUrl;
  // The page to follow. After a form error the browser sits on the address the form
  // was posted to; fetching or reloading that would post again or fail (405), so
  // the live page's own address is used for both, and put back into the address bar.
  const liveUrl = root.dataset.liveUrl || window.location.href;
  if (root.dataset.liveUrl && new URL(liveUrl, window.location.href).href !== window.location.href) {
    window.history.replaceState(null, "", liveUrl);
  }

  function goLive() {
    window.location.assign(liveUrl);
  }
  const interval = Number(root.dataset.interval) || 2000;
  let version = root.dataset.version;
  let etag = null;

  // A page loads the script of a question type only where that type is; a swapped-in
  // page may need one this page did not load (scripts inside a parsed page never run).
  function loadScriptsOf(page) {
    const loaded = new Set(
      Array.from(document.querySelectorAll("script[src]")).map(function (script) {
        return script.getAttribute("src");
      }),
    );
    page.querySelectorAll("script[src]").forEach(function (wanted) {
      const src = wanted.getAttribute("src");
      if (loaded.has(src)) return;
      const script = document.createElement("script");
      script.src = src;
      document.body.appendChild(script);
    });
  }

  async function swapPage() {
    const response = await fetch(liveUrl, { cache: "no-store" });
    if (!response.ok) {
      goLive();
      return;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("[data-live-region]");
    const current = document.querySelector("[data-live-region]");
    if (!fresh || !current) {
      goLive();
      return;
    }
    const focused = document.activeElement && document.activeElement.id;
    current.replaceWith(document.adoptNode(fresh));
    loadScriptsOf(page);
    // Messages such as "Your answer has been saved" were about the page before.
    document.querySelectorAll(".flashes").forEach(function (flashes) {
      flashes.remove();
    });
    document.dispatchEvent(new CustomEvent("live:swapped"));
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  async function tick() {
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const response = await fetch(stateUrl, { headers: headers, cache: "no-store" });
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        const state = await response.json();
        if (String(state.version) !== String(version)) {
          version = String(state.version);
          await swapPage();
        }
        [["answers", "[data-answer-count]"], ["joined", "[data-joined-count]"]].forEach(
          function (pair) {
            if (typeof state[pair[0]] !== "number") return;
            document.querySelectorAll(pair[1]).forEach(function (element) {
              element.textContent = String(state[pair[0]]);
            });
          },
        );
      } else if (response.status !== 304) {
        goLive();
        return;
      }
    } catch (error) {
      // A network hiccup on a school Wi-Fi: try again at the next tick.
    }
    window.setTimeout(tick, interval);
  }

  window.setTimeout(tick, interval);
})();
