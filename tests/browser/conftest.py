"""The real app on a free port and one Chromium for the whole session.

The app runs as in production: `flask db upgrade`, `flask demo`, then gunicorn,
with CSRF on and the real lessons, on a fresh SQLite file in a temporary folder; its
mail goes to an SMTP server of the tests (`mail_server`).
Without Chromium the browser tests skip, except in CI (`CI` set), where they fail.
"""

import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from servers import server_env, start_gunicorn, stop_all
from smtp import SMTPServer

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Waiting screens ask for news this often (the app's default is 2000 ms). Faster costs
# CPU: 30 phones polling every 500 ms keep a quarter of this 2-core machine busy.
POLL_INTERVAL_MS = 1000
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}


def in_ci() -> bool:
    """Tell whether this is a CI run, where a browser test may never skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable_reason() -> str | None:
    """Say why the browser tests cannot run here, or None when they can.

    Playwright itself comes with the dev extra (`make install`); the browser is
    Debian's, installed apart.
    """
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium` to run them"
    return None


def pytest_collection_modifyitems(items) -> None:
    """Mark every test of this folder `browser`, so `make test-fast` leaves them out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_available() -> None:
    """Skip the browser tests without Chromium; in CI fail instead."""
    reason = unavailable_reason()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"CI must run the browser tests, but: {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class LiveServer:
    """The app under test: its base URL and the log gunicorn writes."""

    url: str
    log_path: Path
    process: subprocess.Popen = field(repr=False)
    log_offset: int = 0
    env: dict[str, str] = field(default_factory=dict, repr=False)  # for `flask` commands

    def new_log(self) -> str:
        """Return what the server logged since the last call."""
        text = self.log_path.read_text(errors="replace")
        new, self.log_offset = text[self.log_offset :], len(text)
        return new


@pytest.fixture(scope="session")
def mail_server(browser_available):
    """A real SMTP server on 127.0.0.1 that receives the app's mail; `.inbox` holds it."""
    with SMTPServer() as running:
        yield running


@pytest.fixture(scope="session")
def server(browser_available, tmp_path_factory, mail_server):
    """Start the real app (gunicorn, SQLite in a temp dir, demo school) for the session."""
    folder = tmp_path_factory.mktemp("app")
    log_path = folder / "server.log"
    env = server_env(
        DATABASE_URL=f"sqlite:///{folder / 'klasgesprek.sqlite'}",
        FLASK_SECRET_KEY=secrets.token_hex(32),
        FLASK_POLL_INTERVAL_MS=str(POLL_INTERVAL_MS),
        # The test OpenID provider runs on 127.0.0.1 (tests/browser/test_signon.py).
        FLASK_SIGNON_ALLOW_PRIVATE_ISSUERS="true",
        FLASK_MAIL_SERVER="127.0.0.1",
        FLASK_MAIL_PORT=str(mail_server.port),
    )
    flask = [sys.executable, "-m", "flask", "--app", "classroom"]
    with log_path.open("a") as log:
        for command in (["db", "upgrade"], ["demo", "--i-know-this-is-not-a-server"]):
            subprocess.run(  # noqa: S603 - fixed arguments
                [*flask, *command], cwd=ROOT, env=env, stdout=log, stderr=log, check=True
            )
    options = ("--graceful-timeout", "2")
    started = start_gunicorn(env, log_path, workers=2, threads=8, options=options)
    try:
        try:
            started.wait_until_up()
        except AssertionError as error:
            pytest.fail(str(error), pytrace=False)
        live = LiveServer(url=started.base, log_path=log_path, process=started.process, env=env)
        live.new_log()
        yield live
    finally:
        stop_all([started], timeout=10)


@pytest.fixture(autouse=True)
def _server_stays_healthy(request):
    """Fail a browser test whose requests made the server log a traceback."""
    if "server" not in request.fixturenames:
        yield
        return
    live = request.getfixturevalue("server")
    live.new_log()
    yield
    logged = live.new_log()
    assert "Traceback" not in logged, f"the server logged an error:\n{logged}"


@pytest.fixture(scope="session")
def browser(browser_available):
    """One headless Chromium for the session; every user gets a context of their own."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Problems:
    """What must not happen in any page: CSP violations, script errors, outside requests."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.found: list[str] = []

    def watch(self, context) -> None:
        """Record the problems of every page in this context."""
        context.on("console", self._console)
        context.on("weberror", lambda error: self.found.append(f"script error: {error.error}"))
        context.on("request", self._request)

    def _console(self, message) -> None:
        # Error pages (404, 400) log "Failed to load resource" by design; CSP does not.
        if "Content Security Policy" in message.text:
            self.found.append(f"CSP: {message.text}")

    def _request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.base_url + "/") or url.startswith(("data:", "about:"))):
            self.found.append(f"request to another site: {url}")


def _open_context(browser, server, problems, viewport=None, **options):
    context = browser.new_context(base_url=server.url, viewport=viewport or DESKTOP, **options)
    context.set_default_timeout(10_000)
    problems.watch(context)
    return context


@pytest.fixture
def new_context(browser, server):
    """Make browser contexts (one per person); checks them for problems at the end."""
    problems = Problems(server.url)
    contexts = []

    def make(viewport=None, **options):
        context = _open_context(browser, server, problems, viewport, **options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert problems.found == []


class PhonePool:
    """Students' phones, each a browser context of its own, kept for the session.

    A new context costs Chromium most of a CPU second, so the tests share them;
    between tests every phone is wiped like a closed private window (no cookies,
    so no session and no join token) and shows a blank page.

    A live page polls and moves on by itself (live.js), so a wipe must not race it:
    it leaves the page for about:blank first (again if the page's own navigation
    interrupts that), then waits until every request the page had on its way to the
    app has been answered or cancelled, and only then forgets the cookies. No poll or
    answer of one test can then set a cookie, log an error or report a problem in
    the next. The app keeps nothing in web storage, so cookies are all there is.
    """

    def __init__(self, browser, server) -> None:
        self.browser = browser
        self.server = server
        self.problems = Problems(server.url)
        self.contexts: list = []
        self.in_flight: dict[int, set] = {}  # per context: requests to the app not yet done
        self.in_use = 0

    def take(self, count: int) -> list:
        """Return the pages of `count` phones, opening more when there are too few."""
        while len(self.contexts) < count:
            context = _open_context(self.browser, self.server, self.problems, PHONE)
            self._track_requests(context)
            context.new_page()
            self.contexts.append(context)
        self.in_use = max(self.in_use, count)
        return [context.pages[0] for context in self.contexts[:count]]

    def _track_requests(self, context) -> None:
        in_flight = self.in_flight.setdefault(id(context), set())

        def sent(request) -> None:
            if request.url.startswith(self.server.url + "/"):
                in_flight.add(request)

        def done(request) -> None:
            in_flight.discard(request)

        context.on("request", sent)
        context.on("requestfinished", done)
        context.on("requestfailed", done)

    def wipe(self) -> None:
        """Blank the phones in use and forget their cookies, once their pages went quiet."""
        for context in self.contexts[: self.in_use]:
            page = context.pages[0]
            _blank(page)
            _settle(page, self.in_flight[id(context)])
            context.clear_cookies()
        self.in_use = 0
        self.problems.found.clear()


def _blank(page, attempts: int = 5) -> None:
    """Go to about:blank; a live page moving on by itself (live.js) may interrupt that."""
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(attempts):
        try:
            page.goto("about:blank")
        except PlaywrightError as error:
            if "interrupted by another navigation" not in str(error):
                raise
            page.wait_for_load_state()
            continue
        if page.url == "about:blank":
            return
    raise AssertionError(f"the phone stayed on {page.url}")


def _settle(page, in_flight: set, timeout_s: float = 10) -> None:
    """Wait until the requests a blanked page had sent are answered or cancelled.

    On about:blank no script runs, so nothing new is sent; what the live page had on its
    way (a state poll, an answer, its own reload) ends now, reported by Playwright's
    events, which arrive while the page waits.
    """
    deadline = time.monotonic() + timeout_s
    while in_flight and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    assert not in_flight, f"still on their way: {sorted(r.url for r in in_flight)}"


@pytest.fixture(scope="session")
def phone_pool(browser, server):
    """The phones that the tests share."""
    pool = PhonePool(browser, server)
    yield pool
    for context in pool.contexts:
        context.close()


@pytest.fixture
def phones(phone_pool):
    """`phones(30)`: that many wiped phones, one context each; checked for problems after."""
    yield phone_pool.take
    found = list(phone_pool.problems.found)
    phone_pool.wipe()
    assert found == []
