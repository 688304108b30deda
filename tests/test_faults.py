"""Faults from the hardening issue, against the real app under gunicorn (no test client).

The database is built with the app's own migrations and filled with its own
services (the demo school, a lesson started for one of its classes, one
question open); gunicorn serves it on a free port on 127.0.0.1, as in
production. Plain HTTP clients in a thread pool act as phones, each with its
own session cookie: GET /j/CODE, GET /live/CODE (for the CSRF token of the
form), POST the answer. A 303 is an acknowledged answer.

Afterwards the database must hold exactly the acknowledged answers: every
device's row is looked up by its pseudonym (computed with the app's own
function from the device token in the device's signed cookie) and must hold
the value that device sent, and there must be no other row.

1. Many students at once: hundreds of answers in one burst, stored equals
   acknowledged, no "database is locked", no 5xx but a 503 with Retry-After (the
   write lock busier than a request waits), which the phone sends again as its page
   does, nothing else in the server log.
2. The same answer sent twice at the same moment from one device counts once.
3. Gunicorn workers killed with SIGKILL in the middle of requests during a
   burst lose no acknowledged answer and leave no half-written one; phones
   send again what got no response, and an answer sent again counts once.

SQLite in a temporary folder (WAL, as in production) by default; with
TEST_DATABASE_URL set to PostgreSQL the same tests run on that database.
One gunicorn per worker setting serves every test of this module, each test
with a lesson of its own: every gunicorn start costs seconds on a 2-core machine.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import sqlite3
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from servers import Gunicorn, server_env, start_gunicorn, stop_all

ROOT = Path(__file__).resolve().parent.parent
LESSONS_DIR = ROOT / "lessons"
MIGRATIONS_DIR = ROOT / "migrations"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
# A 503 with Retry-After is sent again, as the live page does, this often at most; the
# tests wait less than Retry-After asks, to stay short.
BUSY_RETRIES = 30
BUSY_RETRY_SECONDS = 0.3
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
# Generous on purpose: a busy 2-core machine answers slowly, but never this slowly.
REQUEST_TIMEOUT = 60
START_TIMEOUT = 90
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# What must never appear in a response or in the server log.
FAILURE_MARKERS = ("database is locked", "OperationalError", "Traceback", "unhandled exception")
# What a phone sees when the worker handling its request dies: no response at all.
NO_RESPONSE = (OSError, http.client.HTTPException)

pytestmark = pytest.mark.server


# ---------------------------------------------------------------- the database


@dataclass
class Lesson:
    """A started run with one open question, in the database under test."""

    app: Flask = field(repr=False)
    code: str
    run_id: int
    question_id: int
    kind: str
    choices: int

    def expected_value(self, index: int) -> int:
        """The answer device number `index` sends: every option in turn."""
        return index % self.choices + (1 if self.kind == "scale" else 0)

    def pseudonym(self, cookie: str) -> str:
        """The pseudonym the app stores this device's answer under (checks the signature)."""
        from classroom.polls import answers

        serializer = self.app.session_interface.get_signing_serializer(self.app)
        token = serializer.loads(cookie)["runs"][str(self.run_id)]
        question = SimpleNamespace(id=self.question_id, run_id=self.run_id)
        with self.app.app_context():
            return answers.pseudonym(question, token)

    def stored(self) -> list[tuple[str, int | None, str | None, str | None]]:
        """Every stored answer to the question: (pseudonym, value, text, moderation)."""
        from classroom.extensions import db
        from classroom.polls.models import Response

        with self.app.app_context():
            rows = db.session.execute(
                db.select(
                    Response.pseudonym, Response.value, Response.text, Response.moderation
                ).where(Response.question_id == self.question_id)
            ).all()
            db.session.remove()
        return [tuple(row) for row in rows]


@dataclass
class Database:
    """The database gunicorn serves, and an app of our own on it to seed and inspect."""

    url: str
    secret: str
    app: Flask = field(repr=False)

    def start_lesson(self, module_slug: str, kind: str) -> Lesson:
        """Start the module for a demo class and open its first question of this type."""
        from classroom.accounts.models import User
        from classroom.cli import DEMO_STAFF
        from classroom.extensions import db
        from classroom.lessons.content import get_library
        from classroom.polls import services
        from classroom.questions import SCALE_POINTS

        with self.app.app_context():
            teacher = db.session.scalar(db.select(User).where(User.email == DEMO_STAFF[0][0]))
            school_class = next(c for c in teacher.school.classes if teacher in c.teachers)
            module = get_library().get(module_slug)
            assert module is not None, f"module {module_slug!r} is missing from {LESSONS_DIR}"
            # A school hall in one lesson: every phone of these tests is let in.
            run = services.start_run(module, school_class, teacher, "nl", class_size=1000)
            question = next(q for q in run.questions if q.type == kind)
            services.open_question(question)
            db.session.commit()
            lesson = Lesson(
                app=self.app,
                code=run.join_code,
                run_id=run.id,
                question_id=question.id,
                kind=kind,
                choices=SCALE_POINTS if kind == "scale" else question.option_count,
            )
            db.session.remove()
        return lesson

    def integrity(self) -> str:
        """SQLite's own check of the whole file ("ok"); PostgreSQL needs none."""
        if ON_POSTGRES:
            return "ok"
        connection = sqlite3.connect(self.url.removeprefix("sqlite:///"))
        try:
            return connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()


def _drop_everything() -> None:
    from classroom.extensions import db

    db.drop_all()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@contextlib.contextmanager
def fresh_database(url: str) -> Iterator[Database]:
    """A database built as in production: the migrations, then the demo school."""
    from flask_migrate import upgrade

    from classroom import create_app
    from classroom.cli import load_demo
    from classroom.extensions import db

    secret = secrets.token_hex(32)
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": secret,
        "LESSONS_DIR": str(LESSONS_DIR),
        "RATELIMIT_ENABLED": False,
    }
    app = create_app(settings)
    with app.app_context():
        _drop_everything()
        upgrade(directory=str(MIGRATIONS_DIR))
        load_demo()
        db.session.commit()
        db.session.remove()
    try:
        yield Database(url=url, secret=secret, app=app)
    finally:
        with app.app_context():
            db.session.remove()
            if url == TEST_DATABASE_URL:
                with contextlib.suppress(Exception):
                    _drop_everything()
            db.engine.dispose()


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Iterator[Database]:
    """A fresh database: `flask db upgrade` (in process) and the demo school."""
    folder = tmp_path_factory.mktemp("faults")
    url = TEST_DATABASE_URL if ON_POSTGRES else f"sqlite:///{folder / 'klasgesprek.sqlite'}"
    with fresh_database(url) as database:
        yield database


# ---------------------------------------------------------------- gunicorn


def _tcp_connections(server_port: int) -> dict[int, int]:
    """Accepted connections to the port: {inode of the server's socket: client port}.

    Connections still waiting in the listen queue have inode 0 and are left out.
    """
    local = f"0100007F:{server_port:04X}"
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        columns = line.split()
        established = columns[3] == "01"
        if columns[1] == local and established and columns[9] != "0":
            found[int(columns[9])] = int(columns[2].split(":")[1], 16)
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
    return inodes


class Server(Gunicorn):
    """gunicorn serving wsgi:app on 127.0.0.1, with its log and a view of its workers."""

    def workers(self) -> set[int]:
        """The worker pids: the children of the master, read from /proc."""
        pid = self.process.pid
        with contextlib.suppress(OSError):
            return {
                int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            }
        children = set()  # a kernel without the children file: scan every process
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = (entry / "stat").read_text()
                    # The command name may hold spaces or ")": the fields follow the last ")".
                    if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                        children.add(int(entry.name))
        return children

    def wait_for_workers(self, gone: set[int] = frozenset()) -> set[int]:
        """Wait until every worker runs, none of `gone` among them (the master respawns)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log()}"
            workers = self.workers()
            if len(workers) == self.workers_wanted and not workers & gone:
                return workers
            time.sleep(0.05)
        raise AssertionError(f"gunicorn did not get its workers back:\n{self.log()}")

    def busy_workers(self) -> dict[int, int]:
        """Workers holding a client connection, that is in the middle of a request: {pid: port}."""
        connections = _tcp_connections(self.port)
        busy = {}
        for pid in self.workers():
            held = _socket_inodes(pid) & connections.keys()
            if held:
                busy[pid] = connections[min(held)]
        return busy

    def worker_serving(self, client_port: int) -> int:
        """The worker that accepted the connection from this client port."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for pid, port in self.busy_workers().items():
                if port == client_port:
                    return pid
            time.sleep(0.02)
        raise AssertionError(f"no worker took the connection from port {client_port}")


def start_server(database: Database, log_path: Path, workers: int, threads: int) -> Server:
    """Start gunicorn as in production: sync workers, or gthread with threads > 1."""
    env = server_env(
        DATABASE_URL=database.url,
        FLASK_SECRET_KEY=database.secret,
        FLASK_LESSONS_DIR=str(LESSONS_DIR),
    )
    options = ("--log-level", "info", "--graceful-timeout", "10")
    started = start_gunicorn(env, log_path, workers=workers, threads=threads, options=options)
    return Server(started.process, started.port, started.workers_wanted, started.log_path)


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"gunicorn did not start:\n{server.log()}"
        with contextlib.suppress(*NO_RESPONSE):
            if http_request(server.port, "GET", "/healthz", timeout=5)[0] == 200:
                server.wait_for_workers()
                return
        time.sleep(0.1)
    raise AssertionError(f"the app did not answer /healthz in {START_TIMEOUT} s:\n{server.log()}")


@pytest.fixture(scope="module")
def gunicorn(database, tmp_path_factory) -> Iterator[Callable[..., Server]]:
    """gunicorn(workers, threads): one running server per setting, stopped at the end."""
    servers: dict[tuple[int, int], Server] = {}
    folder = tmp_path_factory.mktemp("gunicorn")

    def get(workers: int = 4, threads: int = 1) -> Server:
        key = (workers, threads)
        if key not in servers:
            log_path = folder / f"gunicorn-{workers}x{threads}.log"
            servers[key] = start_server(database, log_path, workers, threads)
            _wait_until_healthy(servers[key])
        return servers[key]

    try:
        yield get
    finally:
        stop_all(list(servers.values()))


# ---------------------------------------------------------------- phones


def http_request(
    port: int,
    method: str,
    path: str,
    headers: dict | None = None,
    body: str | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> tuple[int, http.client.HTTPMessage, str]:
    """One request on a new connection to 127.0.0.1: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = dict(headers or {})
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, response.msg, response.read().decode(errors="replace")
    finally:
        connection.close()


@dataclass
class Outcome:
    """What all the phones saw, gathered from every thread."""

    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    no_response: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def saw(self, what: str, status: int, body: str, retry_after: bool = False) -> None:
        with self.lock:
            self.statuses[(what, status)] += 1
            if status >= 500 and not (status == 503 and retry_after):
                self.problems.append(f"{what}: status {status}")
            self.problems += [
                f"{what}: {m!r} in the response" for m in FAILURE_MARKERS if m in body
            ]

    def lost(self, what: str, error: BaseException, final: bool) -> None:
        with self.lock:
            self.no_response += 1
            if final:
                self.problems.append(f"{what}: no response, not even when sent again ({error!r})")


class Phone:
    """A student's phone: its session cookie, the CSRF token of its page, its answer."""

    def __init__(self, port: int, lesson: Lesson, index: int, outcome: Outcome, attempts: int):
        self.port = port
        self.lesson = lesson
        self.index = index
        self.outcome = outcome
        # A request that got no response at all is sent again, up to this many times in all.
        self.attempts = attempts
        self.cookie = ""
        self.csrf = ""
        self.answer = lesson.expected_value(index)
        self.acknowledged = 0

    @property
    def answer_path(self) -> str:
        return f"/live/{self.lesson.code}/questions/{self.lesson.question_id}"

    @property
    def answer_body(self) -> str:
        return urllib.parse.urlencode({"csrf_token": self.csrf, "answer": self.answer})

    def headers(self) -> dict:
        return {"Cookie": f"session={self.cookie}"} if self.cookie else {}

    def keep_cookie(self, headers: http.client.HTTPMessage) -> None:
        for header in headers.get_all("Set-Cookie") or ():
            if found := re.match(r"session=([^;]*)", header):
                self.cookie = found[1]

    def send(self, what: str, method: str, path: str, body: str | None = None):
        """(status, headers, text); sent again while there is no response, or a 503 with
        Retry-After (a write lock busy longer than a request waits), as the live page does;
        None if never answered."""
        attempt = busy = 0
        while attempt < self.attempts:
            try:
                status, headers, text = http_request(self.port, method, path, self.headers(), body)
            except NO_RESPONSE as error:
                attempt += 1
                self.outcome.lost(what, error, final=attempt == self.attempts)
                time.sleep(0.1 * attempt)
                continue
            retry_after = status == 503 and headers.get("Retry-After") is not None
            self.outcome.saw(what, status, text, retry_after)
            self.keep_cookie(headers)
            if retry_after and busy < BUSY_RETRIES:
                busy += 1
                time.sleep(BUSY_RETRY_SECONDS)
                continue
            return status, headers, text
        return None

    def join_and_load(self) -> None:
        """Join by the link and load the live page with the question's form."""
        code = self.lesson.code
        joined = self.send("join", "GET", f"/j/{code}")
        if joined is None or joined[0] != 302 or not self.cookie:
            with self.outcome.lock:
                self.outcome.problems.append(f"phone {self.index} could not join: {joined}")
            return
        page = self.send("page", "GET", f"/live/{code}")
        token = CSRF_INPUT.search(page[2]) if page is not None else None
        if page is None or page[0] != 200 or self.answer_path not in page[2] or token is None:
            with self.outcome.lock:
                self.outcome.problems.append(f"phone {self.index} got no question form")
            return
        self.csrf = token[1]

    def submit(self) -> None:
        """Send the answer; a 303 is an acknowledged answer."""
        sent = self.send("answer", "POST", self.answer_path, self.answer_body)
        if sent is not None and sent[0] == 303:
            self.acknowledged += 1

    def submit_twice_at_once(self) -> None:
        """Send the same answer on two connections at the same moment, then read both."""
        headers = {**self.headers(), "Content-Type": "application/x-www-form-urlencoded"}
        connections = [
            http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            for _ in range(2)
        ]
        try:
            for connection in connections:
                connection.request("POST", self.answer_path, self.answer_body, headers)
            for connection in connections:
                try:
                    response = connection.getresponse()
                    text = response.read().decode(errors="replace")
                except NO_RESPONSE as error:
                    self.outcome.lost("double answer", error, final=True)
                    continue
                self.outcome.saw("double answer", response.status, text)
                if response.status == 303:
                    self.acknowledged += 1
        finally:
            for connection in connections:
                connection.close()


def run_all(calls: list[Callable[[], None]], threads: int) -> None:
    """Call every function in a pool of threads; re-raise the first exception."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()


def burst(calls: list[Callable[[], None]], threads: int) -> None:
    """Every thread starts sending at the same moment and takes the next call when done."""
    gate = threading.Barrier(threads, timeout=START_TIMEOUT)
    work = iter(calls)
    lock = threading.Lock()

    def sender() -> None:
        gate.wait()
        while True:
            with lock:
                call = next(work, None)
            if call is None:
                return
            call()

    run_all([sender] * threads, threads)


def join_phones(
    server: Server, lesson: Lesson, count: int, outcome: Outcome, attempts: int = 1
) -> list[Phone]:
    """Phones that joined the lesson and loaded the open question, 32 at a time."""
    phones = [Phone(server.port, lesson, index, outcome, attempts) for index in range(count)]
    run_all([phone.join_and_load for phone in phones], threads=32)
    assert outcome.problems == [], outcome.problems[:10]
    return phones


# ---------------------------------------------------------------- checks


def assert_stored_exactly(lesson: Lesson, phones: list[Phone]) -> None:
    """One complete row per phone holding its own answer, and no other row."""
    rows = lesson.stored()
    stored = {row[0]: row[1:] for row in rows}
    assert len(stored) == len(rows), "two rows with the same pseudonym"
    expected = {lesson.pseudonym(phone.cookie): (phone.answer, None, None) for phone in phones}
    assert len(expected) == len(phones), "two phones got the same device token"
    missing = expected.keys() - stored.keys()
    extra = stored.keys() - expected.keys()
    wrong = [
        (stored[p], expected[p])
        for p in expected.keys() & stored.keys()
        if stored[p] != expected[p]
    ]
    assert not missing, f"{len(missing)} acknowledged answers are not stored"
    assert not extra, f"{len(extra)} stored answers belong to no acknowledged phone"
    assert not wrong, f"{len(wrong)} stored rows differ from what was sent (got, sent): {wrong[:5]}"
    assert len(rows) == len(phones)
    # The distribution the class would see is exactly what the phones sent.
    assert Counter(value for value, _text, _moderation in stored.values()) == Counter(
        phone.answer for phone in phones
    )


def assert_clean_log(server: Server, since: int, killed: bool = False) -> None:
    # A 503 with Retry-After is logged as such (errors.log_unavailable): not a failure.
    log = "\n".join(
        line for line in server.log(since).splitlines() if "Database unavailable (" not in line
    )
    found = [marker for marker in FAILURE_MARKERS if marker in log]
    assert not found, f"the server logged {found}:\n{log[-5000:]}"
    if not killed:
        assert "WORKER TIMEOUT" not in log, log[-5000:]
        assert "was sent SIGKILL" not in log, log[-5000:]


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("threads", [1, 8], ids=["4-sync-workers", "4-gthread-workers-x8"])
def test_hundreds_answering_at_once_are_all_stored_once(database, gunicorn, threads):
    students, clients = 300, 48
    server = gunicorn(workers=4, threads=threads)
    since = server.log_size()
    lesson = database.start_lesson("jihad", "scale")
    outcome = Outcome()
    phones = join_phones(server, lesson, students, outcome)

    burst([phone.submit for phone in phones], threads=clients)

    assert outcome.problems == [], outcome.problems[:10]
    assert outcome.no_response == 0
    assert outcome.statuses[("answer", 303)] == students, dict(outcome.statuses)
    assert all(phone.acknowledged == 1 for phone in phones)
    assert_stored_exactly(lesson, phones)
    assert_clean_log(server, since)
    assert database.integrity() == "ok"


def test_the_same_answer_sent_twice_at_once_counts_once(database, gunicorn):
    devices, devices_at_once = 150, 16
    server = gunicorn(workers=4)
    since = server.log_size()
    lesson = database.start_lesson("fake-news", "single")
    outcome = Outcome()
    phones = join_phones(server, lesson, devices, outcome)

    burst([phone.submit_twice_at_once for phone in phones], threads=devices_at_once)

    assert outcome.problems == [], outcome.problems[:10]
    # Both copies are acknowledged (sending again replaces the answer), one is stored.
    assert outcome.statuses[("double answer", 303)] == 2 * devices, dict(outcome.statuses)
    assert all(phone.acknowledged == 2 for phone in phones)
    assert_stored_exactly(lesson, phones)
    assert_clean_log(server, since)
    assert database.integrity() == "ok"


def _kill(pid: int, killed: set[int]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    killed.add(pid)


def _send_raw(server: Server, phone: Phone, share: float) -> socket.socket:
    """Send a phone's answer on a raw connection, only `share` of its body."""
    body = phone.answer_body.encode()
    head = (
        f"POST {phone.answer_path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Cookie: session={phone.cookie}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT)
    sock.sendall(head + body[: int(len(body) * share)])
    return sock


def _reply(sock: socket.socket) -> bytes:
    """What came back before the connection closed (nothing when the worker died)."""
    with sock:
        try:
            return sock.recv(1024)
        except ConnectionResetError:
            return b""


def _kill_while_reading_the_answer(server: Server, phone: Phone, killed: set[int]) -> bytes:
    """Send half of the answer's body; SIGKILL the worker that waits for the rest."""
    sock = _send_raw(server, phone, 0.5)
    _kill(server.worker_serving(sock.getsockname()[1]), killed)
    return _reply(sock)


@contextlib.contextmanager
def _answers_held_up(database: Database) -> Iterator[None]:
    """Hold the database's write lock (SQLite) or lock the answer table (PostgreSQL).

    Held well below SQLite's busy timeout (5 s), so no waiting writer gives up.
    """
    if ON_POSTGRES:
        from classroom.extensions import db

        with database.app.app_context(), db.engine.connect() as connection:
            connection.exec_driver_sql("LOCK TABLE response IN SHARE ROW EXCLUSIVE MODE")
            try:
                yield
            finally:
                connection.rollback()
        return
    path = database.url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
    finally:
        connection.close()


def _kill_while_storing_the_answer(
    database: Database, server: Server, phone: Phone, killed: set[int]
) -> bytes:
    """Send a whole answer while the database holds writes up; SIGKILL the worker storing it.

    The worker cannot have answered: its upsert waits for the lock, inside its transaction.
    """
    with _answers_held_up(database):
        sock = _send_raw(server, phone, 1.0)
        victim = server.worker_serving(sock.getsockname()[1])
        time.sleep(0.5)  # time to get from the request to the upsert; the kill is certain anyway
        _kill(victim, killed)
        reply = _reply(sock)
    return reply


def test_workers_killed_during_a_burst_lose_no_acknowledged_answer(database, gunicorn):
    students, clients = 300, 32
    server = gunicorn(workers=4)
    since = server.log_size()
    lesson = database.start_lesson("jihad", "scale")
    outcome = Outcome()
    phones = join_phones(server, lesson, students, outcome, attempts=8)
    killed: set[int] = set()

    # For certain twice: a worker dies while it reads an answer, and one while it waits
    # to store an answer; neither phone gets a response.
    assert _kill_while_reading_the_answer(server, phones[0], killed) == b""
    assert _kill_while_storing_the_answer(database, server, phones[1], killed) == b""
    server.wait_for_workers(gone=killed)

    # Then the burst (those two phones too: they send again what got no response), with
    # a worker that is serving a request killed at a quarter, a half and three quarters.
    finished = Counter()
    lock = threading.Lock()
    killer_errors: list[BaseException] = []

    def submit(phone: Phone) -> None:
        phone.submit()
        with lock:
            finished["phones"] += 1

    def killer() -> None:
        try:
            for share in (0.25, 0.5, 0.75):
                deadline = time.monotonic() + 2 * START_TIMEOUT
                while finished["phones"] < share * students and time.monotonic() < deadline:
                    time.sleep(0.002)
                while finished["phones"] < students and time.monotonic() < deadline:
                    if busy := sorted(server.busy_workers().keys() - killed):
                        _kill(secrets.choice(busy), killed)
                        break
                    time.sleep(0.001)
        except BaseException as error:  # reported by the test below
            killer_errors.append(error)

    kills = threading.Thread(target=killer)
    kills.start()
    try:
        burst([lambda phone=phone: submit(phone) for phone in phones], threads=clients)
    finally:
        kills.join()

    # The master replaced every killed worker and the app answers as before.
    server.wait_for_workers(gone=killed)
    assert http_request(server.port, "GET", "/healthz")[0] == 200
    assert killer_errors == []
    log = server.log(since)
    assert len(killed) >= 3, "the burst ended before a worker could be killed in it"
    for pid in killed:
        assert f"Worker (pid:{pid}) was sent SIGKILL" in log, log[-5000:]
    assert_clean_log(server, since, killed=True)
    assert outcome.problems == [], outcome.problems[:10]
    # Every phone's answer was acknowledged in the end (some only when sent again)...
    assert all(phone.acknowledged == 1 for phone in phones), dict(outcome.statuses)
    # ... and stored exactly once, complete and as sent.
    assert_stored_exactly(lesson, phones)
    assert database.integrity() == "ok"
    print(
        f"\n{len(killed)} workers killed with SIGKILL; {outcome.no_response} requests got "
        f"no response and were sent again; {dict(outcome.statuses)}"
    )
