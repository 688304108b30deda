// Follow the teacher without reloading by hand: ask the state URL whether anything
// changed (ETag, usually answered 304) and swap in the fresh page when it did.
//
// A fault (a 5xx, a 429, no network) is ridden out: the page stays as it is, says so
// politely and asks again, each time later (doubling up to 30 s, never sooner than
// Retry-After). Only a real answer of the server moves the page: a new version swaps
// the live region; an ended or unknown lesson (or a redirect, such as to the login)
// makes the page load its own address once, which then explains itself.
//
// On the phone an answer is sent with fetch and sent again until the server took it;
// the server counts a device's answer once however often it arrives.
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
  const interval = Number(root.dataset.interval) || 2000;
  const LONGEST_WAIT = 30000;
  // A Retry-After beyond this is taken as a mistake rather than waited out.
  const LONGEST_RETRY_AFTER = 300000;
  // Its texts come from the template, in the page's language.
  const status = root.querySelector("[data-live-status]");
  let version = root.dataset.version;
  let etag = null;
  let failures = 0;
  let lost = false; // the last two state polls failed (one is a blip, not worth a word)
  let answer = ""; // "saving" while an answer is on its way, then "saved"
  let leaving = false;

  // A status a server or the network gave instead of an answer: wait and ask again.
  function isFault(code) {
    return code >= 500 || code === 429 || code === 408;
  }

  function Fault(response) {
    this.response = response;
  }

  // fetch, with a fault (or no network) thrown as a Fault.
  async function request(url, options) {
    let response;
    try {
      response = await fetch(url, Object.assign({ cache: "no-store" }, options));
    } catch (error) {
      throw new Fault(null);
    }
    if (isFault(response.status)) throw new Fault(response);
    return response;
  }

  function retryAfter(response) {
    const value = response && response.headers.get("Retry-After");
    if (!value) return 0;
    const seconds = Number(value);
    const wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
    return Math.min(Math.max(wait || 0, 0), LONGEST_RETRY_AFTER);
  }

  // How long to wait after this many faults in a row: doubling up to 30 s, never
  // sooner than the server asked, and spread at random over the upper half, so the
  // phones of a class that failed together do not all come back in the same second.
  function backoff(times, response) {
    const asked = retryAfter(response);
    const ceiling = Math.max(Math.min(LONGEST_WAIT, interval * Math.pow(2, times)), asked);
    const floor = Math.max(ceiling / 2, asked);
    return floor + Math.random() * (ceiling - floor);
  }

  function sleep(milliseconds) {
    return new Promise(function (resolve) {
      window.setTimeout(resolve, milliseconds);
    });
  }

  function showStatus() {
    if (!status) return;
    const state = answer === "saving" ? "saving" : lost ? "lost" : answer;
    if ((status.dataset.state || "") === state) return; // said once is enough
    status.dataset.state = state;
    status.textContent = state ? status.dataset[state] || "" : "";
  }

  // The lesson moved on (ended, gone, or the server sends us elsewhere): load the
  // live page's own address once, whose answer explains it.
  function moveOn() {
    if (leaving) return;
    leaving = true;
    window.location.assign(liveUrl);
  }

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

  async function pageOf(response) {
    let html;
    try {
      html = await response.text();
    } catch (error) {
      throw new Fault(null); // the connection broke off halfway
    }
    return new DOMParser().parseFromString(html, "text/html");
  }

  // Put the live region of a fetched page in place of this one's; false when it has none.
  // Messages such as "Your answer has been saved" were about the page before; those of
  // `page` come along only when they are about what was just sent (`withMessages`).
  function swapIn(page, withMessages) {
    const fresh = page.querySelector("[data-live-region]");
    const current = document.querySelector("[data-live-region]");
    if (!fresh || !current) return false;
    const focused = focusMark();
    current.replaceWith(document.adoptNode(fresh));
    loadScriptsOf(page);
    document.querySelectorAll(".flashes").forEach(function (flashes) {
      flashes.remove();
    });
    const messages = withMessages && page.querySelector(".flashes");
    if (messages) root.before(document.adoptNode(messages));
    document.dispatchEvent(new CustomEvent("live:swapped"));
    refocus(focused);
    return true;
  }

  // Where the focus is, so that a swap does not take it away from a keyboard user: the
  // nearest element with an id, the way down from it, and what the element says (the
  // focus goes back to that control only, not to whatever now stands in its place).
  function focusMark() {
    const active = document.activeElement;
    if (!active || active === document.body) return null;
    const holder = active.closest("[id]");
    if (!holder) return null;
    const path = [];
    for (let node = active; node !== holder; node = node.parentElement) {
      path.unshift(Array.prototype.indexOf.call(node.parentElement.children, node));
    }
    return { id: holder.id, path: path, looks: looks(active) };
  }

  function looks(element) {
    const name = element.getAttribute("name") || "";
    return [element.tagName, name, element.textContent.trim()].join("|");
  }

  function refocus(mark) {
    if (!mark) return;
    let node = document.getElementById(mark.id);
    for (const index of mark.path) node = node && node.children[index];
    if (!node || node === document.activeElement) return;
    if (mark.path.length && looks(node) !== mark.looks) return; // by its own id: the same
    node.focus({ preventScroll: true });
  }

  // The teacher moved on: fetch the live page and swap its region in (throws a Fault).
  async function follow() {
    const response = await request(liveUrl, {});
    if (!response.ok || !swapIn(await pageOf(response), false)) {
      moveOn();
      return false;
    }
    answer = ""; // a "Saved" was about the question before
    return true;
  }

  function showCounts(state) {
    [["answers", "[data-answer-count]"], ["joined", "[data-joined-count]"]].forEach(
      function (pair) {
        if (typeof state[pair[0]] !== "number") return;
        document.querySelectorAll(pair[1]).forEach(function (element) {
          element.textContent = String(state[pair[0]]);
        });
      },
    );
  }

  async function tick() {
    let wait = interval;
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const response = await request(stateUrl, { headers: headers });
      if (response.status !== 304) {
        if (response.status !== 200 || response.redirected) {
          moveOn();
          return;
        }
        const state = await response.json(); // not JSON: a proxy's page, a fault
        const fresh = String(state.version);
        // While an answer is on its way its reply brings the page; the ETag is kept,
        // so the next poll sees the new version again (and so after a failed swap).
        if (fresh !== version && answer !== "saving") {
          if (!(await follow())) return;
          version = fresh;
        }
        if (fresh === version) etag = response.headers.get("ETag");
        showCounts(state);
      }
      failures = 0;
      lost = false;
    } catch (error) {
      if (leaving) return;
      failures += 1;
      lost = failures >= 2;
      wait = backoff(failures, error instanceof Fault ? error.response : null);
    }
    showStatus();
    window.setTimeout(tick, wait);
  }

  // After the reply to an answer: the field with an error, else the send button.
  function focusAfterReply() {
    const region = document.querySelector("[data-live-region]");
    const target =
      region.querySelector("[aria-invalid='true'], .has-error input, .has-error select") ||
      region.querySelector("form.answer-form button[type=submit]");
    if (target) target.focus();
  }

  // Send an answer until the server takes it (303 to the live page) or refuses it with a
  // page of its own (400, 409, 423: its live region shows why). A retried answer counts
  // once: the server keeps one answer per device and question.
  async function send(form) {
    answer = "saving";
    showStatus();
    const button = form.querySelector("button[type=submit]");
    if (button) button.setAttribute("aria-disabled", "true");
    const body = new URLSearchParams(new FormData(form));
    for (let times = 1; ; times += 1) {
      try {
        const response = await request(form.action, { method: "POST", body: body });
        const taken = response.ok; // the 303 to the live page, followed
        const page = await pageOf(response);
        // Saved only when the page says this phone's answer is stored (read before the
        // swap takes the region out of `page`).
        const saved = taken && page.querySelector("[data-answer-saved]") !== null;
        if (!swapIn(page, !taken)) {
          // No live region (the lesson is full, the form expired): as without JavaScript.
          answer = "";
          if (taken) moveOn();
          else HTMLFormElement.prototype.submit.call(form);
          return;
        }
        answer = saved ? "saved" : "";
        showStatus();
        focusAfterReply();
        return;
      } catch (error) {
        if (!(error instanceof Fault)) {
          // Not a fault of the server or the network: send it as without JavaScript.
          answer = "";
          HTMLFormElement.prototype.submit.call(form);
          return;
        }
        await sleep(backoff(times, error.response));
      }
    }
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches("form.answer-form") || !root.contains(form)) return;
    event.preventDefault();
    if (answer === "saving") return; // one answer at a time; the button says so too
    send(form);
  });

  window.setTimeout(tick, interval);
})();
