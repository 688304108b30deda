"""A region on several instances: two gunicorn instances behind HAProxy, PostgreSQL and Redis.

The set-up of docs/deployment.md, for real: HAProxy from Debian's package
runs `docs/deployment/haproxy.cfg` itself (with its addresses, ports and certificate
replaced by the test's own, TLS included), in front of two gunicorn instances of two
workers each, which share one PostgreSQL database, one secret key and one Redis for
their rate limits (under a key prefix of this test's own).

A teacher gives a lesson through HAProxy to phones that each run in a thread of their
own with their own cookie, as a phone's live page does: poll the state, load the page
when it changed, answer the open question, send again until the answer is acknowledged
(a 303). Meanwhile the test

- kills one instance (SIGKILL, master and workers) while the phones answer, and starts
  it again;
- ends every database connection of the app (`pg_terminate_backend`, what a restart of
  PostgreSQL does to the connection pools; the shared server itself is not restarted:
  tests/test_fault_suite.py restarts a private one);
- restarts both instances one after the other with `kill -HUP` while the phones answer:
  the rolling restart of docs/deployment.md, which may cost no answer and show no phone an error;

and checks that what was stored is what was acknowledged, that no phone is left on an
error page, that a phone polling one instance follows a step made through the other
within a second or two, that wrong join codes are counted over both instances together
(in Redis), and that a release is the same frozen one through either instance.

Runs on PostgreSQL (TEST_DATABASE_URL, the second pass of .ci/run); needs `haproxy`
(Debian's package; .ci/run installs it) and Redis on 127.0.0.1:6379. With CI set, a
missing haproxy or Redis fails the test instead of skipping it.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
import test_two_instances
from conftest import DATABASE_URL, PASSWORD, SAMPLE_LESSONS_DIR, make_test_app
from servers import (
    ROOT,
    Gunicorn,
    free_port,
    self_signed_certificate,
    server_env,
    start_gunicorn,
    stop_all,
)
from test_two_instances import PHONES, TEACHER_EMAIL

from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, Response

# The database and the lesson of tests/test_two_instances.py: a teacher, a class of
# thirty, a run of the sample module with its single-choice poll open.
database_url = test_two_instances.database_url
seeded = test_two_instances.seeded

HAPROXY_CONFIG = ROOT / "docs" / "deployment" / "haproxy.cfg"
HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
REDIS = ("127.0.0.1", 6379)
IN_CI = bool(os.environ.get("CI"))
WORKERS = 2
REQUEST_TIMEOUT = 30
POLL_SECONDS = 0.4  # the phones poll faster than live.js does, to keep the test short
WAIT_SECONDS = 40  # for every phone to get through one step of the lesson
WRONG_CODES_ALLOWED = 6  # JOIN_BROWSER_LIMIT of the instances
FOLLOW_SECONDS = 2.0  # a phone on one instance sees a step made through the other in this
NO_RESPONSE = (OSError, http.client.HTTPException)
ACTION = re.compile(r'action="/live/\d+/questions/(\d+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def haproxy_and_redis() -> None:
    """Skip without HAProxy or Redis; in CI (CI set, as .ci/run does) fail instead."""
    missing = None
    if HAPROXY is None:
        missing = "needs haproxy (apt-get install haproxy; .ci/run installs it)"
    elif not _redis_up():
        missing = "needs Redis on 127.0.0.1:6379"
    if missing and IN_CI:
        pytest.fail(missing)
    if missing:
        pytest.skip(missing)


needs_postgresql = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"),
    reason="two instances share one database: needs PostgreSQL "
    "(TEST_DATABASE_URL=postgresql+psycopg://..., the second pass of .ci/run)",
)


# ---------------------------------------------------------------- HTTP, as a browser


def _certificate(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 and its key in one PEM file (HAProxy's form)."""
    key_pem, cert_pem = self_signed_certificate()
    path = folder / "klasgesprek.pem"
    path.write_bytes(cert_pem + key_pem)
    return path


@dataclass
class Site:
    """Where a request goes: HAProxy over https, or one instance directly over http."""

    base: str
    tls: ssl.SSLContext | None = None

    def connection(self) -> http.client.HTTPConnection:
        """A new connection to the site; https checks the test's own certificate."""
        parts = urllib.parse.urlsplit(self.base)
        if parts.scheme == "https":
            return http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=REQUEST_TIMEOUT, context=self.tls
            )
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)


class Browser:
    """A phone or the teacher's laptop: one session cookie, any site, no Referer.

    The app's `Referrer-Policy: no-referrer` keeps a browser from sending one.
    """

    def __init__(self) -> None:
        self.cookie = ""

    def request(self, site: Site, method: str, path: str, form=None, headers=None):
        """(status, headers, body) on a new connection; raises on no response at all."""
        connection = site.connection()
        try:
            sent = dict(headers or {})
            if self.cookie:
                sent["Cookie"] = f"session={self.cookie}"
            body = None
            if form is not None:
                body = urllib.parse.urlencode(form, doseq=True)
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or ():
            if found := re.match(r"session=([^;]*)", header):
                self.cookie = found[1]
        return response.status, response.msg, text

    def csrf_token(self, site: Site, path: str) -> str:
        """Load a page and return the CSRF token of its forms."""
        status, _headers, body = self.request(site, "GET", path)
        assert status == 200, (path, status, body[:500])
        return CSRF.search(body)[1]


# ---------------------------------------------------------------- the phones


@dataclass
class Tally:
    """What every phone saw, per phase of the lesson."""

    phase: str = "joining"
    started: float = field(default_factory=time.monotonic)
    steps: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def saw(self, phone: int, what: str, status: int | None) -> None:
        """Count one response (None: none came); note it if it was not what a phone wants."""
        with self.lock:
            self.statuses[(self.phase, what, status)] += 1
            if status not in (200, 302, 303, 304):  # no response, an error page, a refusal
                self.errors.append(f"{self.phase}: phone {phone}, {what}: {status or 'nothing'}")

    def enter(self, phase: str) -> None:
        """A new phase of the lesson begins."""
        self.steps.append((self.phase, round(time.monotonic() - self.started, 1)))
        self.phase = phase

    def mark(self, what: str) -> None:
        """Note the time of a step, for the report."""
        self.steps.append((what, round(time.monotonic() - self.started, 1)))

    def errors_in(self, phase: str) -> list[str]:
        """What went wrong for the phones in this phase."""
        with self.lock:
            return [error for error in self.errors if error.startswith(f"{phase}:")]


class Phone(Browser):
    """A student's phone, doing what its live page does, in a thread of its own."""

    def __init__(self, index: int, site: Site, code: str, choose, tally: Tally) -> None:
        super().__init__()
        self.index, self.site, self.code, self.choose, self.tally = index, site, code, choose, tally
        self.csrf = ""
        self.etag = ""
        self.page = ""
        self.acknowledged: dict[int, int] = {}  # question id: the value acknowledged
        self.last_status: int | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._live, daemon=True)

    def send(self, what: str, method: str, path: str, form=None, headers=None):
        """(status, headers, body), or None when no response came (the phone tries again)."""
        try:
            answer = self.request(self.site, method, path, form, headers)
        except NO_RESPONSE:
            self.last_status = None
            self.tally.saw(self.index, what, None)
            return None
        self.last_status = answer[0]
        self.tally.saw(self.index, what, answer[0])
        return answer

    def join(self) -> None:
        """Join by the link and load the live page, trying again until it works."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            joined = self.send("join", "GET", f"/j/{self.code}")
            if joined is not None and joined[0] == 302 and self.cookie and self.load():
                return
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"phone {self.index} could not join")

    def load(self) -> bool:
        """Load the live page; True when it came."""
        page = self.send("page", "GET", f"/live/{self.code}")
        if page is None or page[0] != 200:
            return False
        self.page = page[2]
        if token := CSRF.search(self.page):
            self.csrf = token[1]
        return True

    def answer(self, question_id: int, value: int) -> bool:
        """Send one answer; True when acknowledged."""
        form = {"csrf_token": self.csrf, "answer": str(value)}
        sent = self.send("answer", "POST", f"/live/{self.code}/questions/{question_id}", form)
        if sent is not None and sent[0] == 303:
            self.acknowledged[question_id] = value
            return True
        return False

    def _live(self) -> None:
        while not self.stop.is_set():
            # Answer the open question if not yet acknowledged; else wait for a change.
            shown = ACTION.search(self.page)
            if shown and int(shown[1]) not in self.acknowledged:
                question_id = int(shown[1])
                if self.answer(question_id, self.choose(question_id, self.index)):
                    self.load()
                else:
                    self.stop.wait(POLL_SECONDS)
                continue
            headers = {"If-None-Match": self.etag} if self.etag else {}
            polled = self.send("state", "GET", f"/live/{self.code}/state", headers=headers)
            if polled is not None and polled[0] == 200 and self.load():
                self.etag = polled[1].get("ETag", "")
            self.stop.wait(POLL_SECONDS)


# ---------------------------------------------------------------- the servers


@dataclass
class Instance:
    """One gunicorn instance behind HAProxy, started again on its own port when killed."""

    name: str
    env: dict
    folder: Path
    port: int = 0
    server: Gunicorn | None = None
    starts: int = 0

    def start(self) -> None:
        """Start gunicorn (again, on the same port); its access log goes to its log file."""
        self.starts += 1
        log = self.folder / f"{self.name}-{self.starts}.log"
        options = ("--timeout", "20", "--graceful-timeout", "10", "--access-logfile", "-")
        self.server = start_gunicorn(
            self.env, log, workers=WORKERS, options=options, port=self.port
        )
        self.port = self.server.port

    @property
    def site(self) -> Site:
        """The instance itself, without HAProxy."""
        return Site(f"http://127.0.0.1:{self.port}")

    def workers(self) -> set[int]:
        """The worker pids: the master's children."""
        pid = self.server.process.pid
        with contextlib.suppress(OSError):
            return set(map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split()))
        return set()

    def wait_ready(self, path: str, old_workers: frozenset = frozenset()) -> None:
        """Until its workers (none of `old_workers`) are up and it answers the check."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            workers = self.workers()
            if len(workers) == WORKERS and not workers & old_workers:
                break
            assert self.server.process.poll() is None, self.log()
            time.sleep(0.05)
        while time.monotonic() < deadline:
            with contextlib.suppress(*NO_RESPONSE):
                if Browser().request(self.site, "GET", path)[0] == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not answer {path} with 200:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once: a crashed machine."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.server.process.pid, signal.SIGKILL)
        self.server.process.wait(timeout=10)

    def log(self) -> str:
        """Everything it logged, over all its starts."""
        return "".join(p.read_text(errors="replace") for p in self.folder.glob(f"{self.name}-*"))


def haproxy_config(instances: list[Instance], http_port: int, https_port: int, pem: Path) -> str:
    """docs/deployment/haproxy.cfg with this test's addresses: the file itself, not a copy."""
    text = HAPROXY_CONFIG.read_text()
    replaced = {
        "bind :80": f"bind 127.0.0.1:{http_port}",
        "bind :443 ssl crt /etc/haproxy/certs/klasgesprek.pem": (
            f"bind 127.0.0.1:{https_port} ssl crt {pem}"
        ),
        "10.0.0.11:8000": f"127.0.0.1:{instances[0].port}",
        "10.0.0.12:8000": f"127.0.0.1:{instances[1].port}",
    }
    for old, new in replaced.items():
        assert text.count(old) == 1, f"{HAPROXY_CONFIG} no longer has {old!r} once"
        text = text.replace(old, new)
    if os.geteuid() != 0:  # only root may switch to the haproxy user
        text = re.sub(r"(?m)^\s*(user|group) haproxy\n", "", text)
    return text


def health_path() -> str:
    """The path HAProxy checks, from the shipped file."""
    return re.search(r"option httpchk GET (\S+)", HAPROXY_CONFIG.read_text())[1]


@contextlib.contextmanager
def haproxy(config: str, folder: Path, https_port: int):
    """HAProxy in the foreground on this config, its log in `folder`; stopped afterwards."""
    (folder / "haproxy.cfg").write_text(config)
    log = (folder / "haproxy.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [HAPROXY, "-db", "-f", str(folder / "haproxy.cfg")],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, (folder / "haproxy.log").read_text()
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", https_port)):
                break
            assert time.monotonic() < deadline, "HAProxy did not listen"
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def terminate_app_connections(database: str) -> int:
    """End every connection to the app's database but this one: what a PostgreSQL restart
    does to the instances' pools, without restarting the server other work shares."""
    import psycopg

    url = database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the shared Redis; its keys are deleted afterwards."""
    prefix = f"klasgesprek-test-lb-{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis(*REDIS)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


# ---------------------------------------------------------------- the lesson


def _wait(condition, what: str, seconds: float = WAIT_SECONDS) -> float:
    """Wait until `condition()` holds; the seconds it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s: {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def _questions(app, run_id: int) -> dict[str, SimpleNamespace]:
    """The run's questions by their key in the lesson file: id and run."""
    with app.app_context():
        questions = db.session.execute(db.select(Question).where(Question.run_id == run_id))
        found = {q.key: SimpleNamespace(id=q.id, run_id=q.run_id) for q in questions.scalars()}
        db.session.remove()
    return found


def _stored(app, question_ids: list[int]) -> dict[tuple[int, str], int]:
    """Every stored answer to these questions: {(question id, pseudonym): value}."""
    with app.app_context():
        db.engine.dispose()  # its connections were ended with the instances' ones
        rows = db.session.execute(
            db.select(Response.question_id, Response.pseudonym, Response.value).where(
                Response.question_id.in_(question_ids)
            )
        ).all()
        db.session.remove()
    return {(question_id, pseudonym): value for question_id, pseudonym, value in rows}


def _pseudonym(app, run_id: int, question_id: int, cookie: str) -> str:
    """The pseudonym the app stores this phone's answer under (checks the cookie's signature)."""
    serializer = app.session_interface.get_signing_serializer(app)
    token = serializer.loads(cookie)["runs"][str(run_id)]
    with app.app_context():
        return answers.pseudonym(SimpleNamespace(id=question_id, run_id=run_id), token)


def _summary(teacher: Browser, site: Site, run_id: int) -> str:
    """The lesson's results as CSV, through this site: releases only."""
    status, _headers, body = teacher.request(site, "GET", f"/runs/{run_id}/summary.csv")
    assert status == 200, (site, status)
    return body


def test_a_form_over_https_behind_the_proxy_needs_no_referer():
    # Browsers send no Referer to the app (`Referrer-Policy: no-referrer`); Flask-WTF's
    # check for one over HTTPS refused every form behind HAProxy or nginx.
    app = make_test_app(WTF_CSRF_ENABLED=True, TRUSTED_PROXY_HOPS=1)
    with app.app_context():
        db.create_all()
    try:
        client = app.test_client()
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7"}
        page = client.get("/auth/login", headers=headers).text
        form = {"csrf_token": CSRF.search(page)[1], "email": "a@b.nl", "password": "wrong pass"}
        assert client.post("/auth/login", data=form, headers=headers).status_code == 401
        del form["csrf_token"]
        assert client.post("/auth/login", data=form, headers=headers).status_code == 400
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.mark.server
@needs_postgresql
def test_a_lesson_through_haproxy_rides_out_a_killed_instance_a_lost_database_and_a_rolling_restart(
    haproxy_and_redis, seeded, redis_prefix, tmp_path
):
    app, info = seeded
    run_id, code = info["run_id"], info["code"]
    questions = _questions(app, run_id)
    first, second, third = questions["colour"], questions["home-pre"], questions["home-post"]
    options = {first.id: info["options"], second.id: 5, third.id: 5}
    changed: dict[int, int] = {}  # phone: its changed answer to the third question

    def choose(question_id: int, index: int) -> int:
        if question_id == third.id and index in changed:
            return changed[index]
        return index % options[question_id] + (0 if question_id == first.id else 1)

    env = server_env(
        DATABASE_URL=info["database_url"],
        FLASK_SECRET_KEY=info["secret"],
        FLASK_LESSONS_DIR=str(SAMPLE_LESSONS_DIR),
        FLASK_RATELIMIT_STORAGE_URI=f"redis://{REDIS[0]}:{REDIS[1]}/0",
        FLASK_RATELIMIT_STORAGE_OPTIONS=json.dumps({"key_prefix": redis_prefix}),
        FLASK_TRUSTED_PROXY_HOPS="1",
        FLASK_JOIN_BROWSER_LIMIT=f"{WRONG_CODES_ALLOWED} per 10 minutes",
    )
    # As in production: Redis counts for every worker, cookies are Secure (HTTPS at HAProxy).
    del env["FLASK_RATELIMIT_PER_WORKER_OK"], env["FLASK_SESSION_COOKIE_SECURE"]
    instances = [Instance(name, env, tmp_path) for name in ("a", "b")]
    check = health_path()
    pem = _certificate(tmp_path)
    tls = ssl.create_default_context(cafile=str(pem))
    http_port, https_port = free_port(), free_port()
    tally = Tally()
    phones: list[Phone] = []
    try:
        for instance in instances:
            instance.start()
        for instance in instances:
            instance.wait_ready(check)
        config = haproxy_config(instances, http_port, https_port, pem)
        with haproxy(config, tmp_path, https_port):
            lb = Site(f"https://127.0.0.1:{https_port}", tls)
            a, b = (instance.site for instance in instances)
            # Plain HTTP is sent to HTTPS.
            status, headers, _body = Browser().request(
                Site(f"http://127.0.0.1:{http_port}"), "GET", f"/j/{code}"
            )
            assert status == 301 and headers["Location"].startswith("https://"), status

            teacher = Browser()
            form = {"email": TEACHER_EMAIL, "password": PASSWORD}
            form["csrf_token"] = teacher.csrf_token(lb, "/auth/login")
            assert teacher.request(lb, "POST", "/auth/login", form)[0] == 302
            teacher_token = teacher.csrf_token(lb, f"/runs/{run_id}")

            def act(site: Site, question: SimpleNamespace, action: str) -> None:
                path = f"/runs/{run_id}/questions/{question.id}/{action}"
                status = teacher.request(site, "POST", path, {"csrf_token": teacher_token})[0]
                assert status == 303, (action, status)

            def acknowledged(question: SimpleNamespace) -> int:
                return sum(question.id in phone.acknowledged for phone in phones)

            # Thirty phones join through HAProxy; the first question is open.
            phones = [Phone(index, lb, code, choose, tally) for index in range(PHONES)]
            joining = [threading.Thread(target=phone.join) for phone in phones]
            for thread in joining:
                thread.start()
            for thread in joining:
                thread.join()
            # One instance dies while they answer; the other takes every phone.
            tally.enter("killed instance")
            for phone in phones:
                phone.thread.start()
            _wait(lambda: acknowledged(first) >= PHONES // 3, "a third answered")
            instances[0].kill()
            tally.mark("killed")
            _wait(lambda: acknowledged(first) == PHONES, "every phone answered with one instance")
            tally.mark("all answered")
            instances[0].start()  # HAProxy takes it back once its checks pass

            # The instances lose every database connection while the phones answer.
            tally.enter("lost database")
            act(lb, second, "open")
            _wait(lambda: acknowledged(second) >= PHONES // 3, "a third answered")
            ended = [terminate_app_connections(info["database_url"]) for _ in range(2)]
            assert ended[0] > 0, "the instances held no database connection"
            tally.mark("connections ended")
            _wait(lambda: acknowledged(second) == PHONES, "every phone answered again")
            instances[0].wait_ready(check)
            tally.mark("a started again")

            # A step made through one instance reaches a phone polling the other at once.
            tally.enter("rolling restart")
            watcher = phones[0]
            etag = watcher.request(b, "GET", f"/live/{code}/state")[1]["ETag"]
            act(a, third, "open")
            followed = _wait(
                lambda: (
                    watcher.request(
                        b, "GET", f"/live/{code}/state", headers={"If-None-Match": etag}
                    )[0]
                    == 200
                ),
                "the other instance's poll followed the step",
                FOLLOW_SECONDS,
            )
            # Rolling restart: HUP one instance, wait until it is back, then the other.
            _wait(lambda: acknowledged(third) >= PHONES // 4, "a quarter answered")
            for instance in instances:
                old = frozenset(instance.workers())
                instance.server.process.send_signal(signal.SIGHUP)
                instance.wait_ready(check, old)
                tally.mark(f"{instance.name} restarted")
            _wait(lambda: acknowledged(third) == PHONES, "every phone answered the third")
            time.sleep(1)  # polls after the restart count too
            assert tally.errors_in("rolling restart") == []

            # A release is frozen, the same through either instance.
            tally.enter("release")
            act(a, third, "release")
            released = _summary(teacher, a, run_id)
            (tmp_path / "released.csv").write_text(released)
            assert _summary(teacher, b, run_id) == released
            for index in range(3):  # fewer than k answers change
                changed[index] = choose(third.id, index) % 5 + 1
                assert phones[index].answer(third.id, changed[index])
            act(b, third, "release")  # no new release: too few changes
            assert _summary(teacher, a, run_id) == _summary(teacher, b, run_id) == released
            act(lb, third, "reveal")
            results = []
            for site in (a, b):
                page = watcher.request(site, "GET", f"/live/{code}")[2]
                results.append(CSRF.sub("", page))
            assert results[0] == results[1]

            # Every phone ends on its live page, not on an error.
            tally.enter("after")
            for phone in phones:
                phone.stop.set()
            for phone in phones:
                phone.thread.join(timeout=REQUEST_TIMEOUT)
            last = {phone.index: phone.last_status for phone in phones}
            assert {i: s for i, s in last.items() if s not in (200, 303, 304)} == {}, tally.errors
            for phone in phones:
                _wait(phone.load, f"phone {phone.index} back on its live page", 10)
            # ... and that page shows the revealed results, as through either instance.
            assert {CSRF.sub("", phone.page) for phone in phones} == {results[0]}

            # Wrong join codes count over both instances together, in Redis.
            guesser = Browser()
            assert guesser.request(a, "GET", "/join")[0] == 200
            wrong = [f"{number:09d}" for number in range(1, WRONG_CODES_ALLOWED + 4)]
            wrong = [c for c in wrong if c != code]
            sites = [a, b] * WRONG_CODES_ALLOWED
            statuses = [
                guesser.request(sites[n], "GET", f"/j/{c}")[0]
                for n, c in enumerate(wrong[: WRONG_CODES_ALLOWED + 2])
            ]
            assert statuses == [404] * WRONG_CODES_ALLOWED + [429, 429]
            assert guesser.request(lb, "GET", f"/j/{wrong[-1]}")[0] == 429
            shared = redis.Redis(*REDIS).keys(f"{redis_prefix}:*")
            assert any(b"join-code-browser" in key for key in shared), shared
    finally:
        for phone in phones:
            phone.stop.set()
        stop_all([i.server for i in instances if i.server is not None], timeout=15)

    # What the phones saw: nothing lost, counted once, no code in any log.
    summary = Counter()
    for (phase, _what, _status), number in tally.statuses.items():
        summary[phase] += number
    print(f"\nfollowed in {followed:.2f} s; ended {ended} connections; requests {summary}")
    print(
        "errors seen:",
        Counter(error.split(", ", 1)[0] + error.rsplit(",", 1)[1] for error in tally.errors),
    )
    print("steps:", tally.steps)
    stored = _stored(app, [first.id, second.id, third.id])
    expected = {
        (question_id, _pseudonym(app, run_id, question_id, phone.cookie)): value
        for phone in phones
        for question_id, value in phone.acknowledged.items()
    }
    assert len(expected) == 3 * PHONES
    assert stored == expected
    # The release holds the answers as they were when it was made, not the three changes.
    rows = csv.DictReader(io.StringIO(released.lstrip("\ufeff")), delimiter=";")
    figures = {int(r["antwoord"]): int(r["aantal"]) for r in rows if r["vraag"] == "home-post"}
    before = Counter(index % 5 + 1 for index in range(PHONES))  # what the phones first answered
    assert figures == dict(before)
    assert Counter(v for (q, _p), v in stored.items() if q == third.id) != before
    logs = [instance.log() for instance in instances] + [(tmp_path / "haproxy.log").read_text()]
    for log in logs:
        assert code not in log
    assert "/live/[code]/state" in logs[0] and "/live/[code]/state" in logs[2]
