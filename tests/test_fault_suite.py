"""The fault suite (issue 27): each fault of the issue's table, reproduced against gunicorn.

| fault                          | how the test makes it                                       |
| ------------------------------ | ----------------------------------------------------------- |
| PostgreSQL restarted (0.5 s)   | `pg_ctl restart -m fast` of a private cluster, mid-burst    |
| PostgreSQL down 11 s           | `pg_ctl stop -m fast`, 11 s, `pg_ctl start`, mid-burst      |
| SQLite disk full, open answers | the database on a 32 MB tmpfs the test mounts, then fills   |
| SQLite write lock held         | `BEGIN IMMEDIATE` held 10 s (30 s in the issue: kept short) |
| a restart or a killed worker   | SIGKILL of two workers storing an answer, then `kill -HUP`  |

The app runs as in production (its database built as tests/test_faults.py builds
it: the app's own migrations, the demo school, a lesson with one open question),
under gunicorn with the workers docs/deployment.md deploys (`-w 4`, the worker class of the
shipped gunicorn.conf.py). Phones are plain HTTP clients, each with its own session
cookie, that do what live.js does, two things at once: poll the state URL every
2 s (here also loading the live page every fifth time), and send the answer, at a
moment spread over the fault, until a 303 acknowledges it. After a 503 or no
response at all both wait as live.js waits: never sooner than `Retry-After`,
doubling up to 30 s.

Every test asserts: stored = acknowledged (one row per phone, holding what it sent,
nothing counted twice), no 500 anywhere (every 503 with `Retry-After`, nothing
unhandled in the server's log), and every phone's state poll and live page after the
fault a 200 or 304. Each prints what the phones got as a row of the issue's table
(run with `-s` to read it). Beyond that: a restarted PostgreSQL costs no request
once it is back; `/healthz` says 503 while PostgreSQL is down or the disk full; a
held lock stalls no state poll or page (each under 1 s) and refuses answers quickly.

The private PostgreSQL cluster (initdb as the `postgres` user, a free port, trust
auth; never the shared server) and the tmpfs need PostgreSQL's server binaries and
root: without them the tests skip, except in CI (`CI` set), where they fail. The
tests with a database of their own (the private cluster, the SQLite faults) run in
the SQLite pass of .ci/run; the killed-worker test runs in both passes, on the
pass's database. In Chromium: tests/browser/test_fault_suite_lock.py.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import http.client
import os
import pwd
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from servers import free_port, server_env, start_gunicorn
from test_faults import (
    CSRF_INPUT,
    LESSONS_DIR,
    Database,
    Lesson,
    Server,
    assert_stored_exactly,
    fresh_database,
    run_all,
)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
# A lesson of this many phones (a thread each): a school hall on 2 cores.
PHONES = 100
# The app's own interval (POLL_INTERVAL_MS), and the longest wait between two tries (live.js).
POLL_SECONDS = 2.0
LONGEST_WAIT = 30.0
REQUEST_TIMEOUT = 30
# gunicorn as docs/deployment.md deploys it: `gunicorn -w 4`, worker class from gunicorn.conf.py.
WORKERS = 4
# What only an unhandled error writes into gunicorn's log: a 500 from Flask, or from
# gunicorn itself when the fast path raised.
UNHANDLED = ("unhandled exception", "Error handling request")
NO_RESPONSE = (OSError, http.client.HTTPException)

pytestmark = [pytest.mark.server, pytest.mark.faults]

own_database_pass_only = pytest.mark.skipif(
    ON_POSTGRES,
    reason="uses a database of its own (a private cluster or a SQLite file): "
    "runs in the SQLite pass, not again with TEST_DATABASE_URL",
)


def _program(name: str) -> str:
    """A system program's full path (util-linux: runuser, mount, umount)."""
    return shutil.which(name) or f"/usr/bin/{name}"


def in_ci() -> bool:
    """Whether this is a CI run, where the fault suite may never skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def cannot_run(reason: str) -> None:
    """Skip, or fail in CI: the suite must run there."""
    if in_ci():
        pytest.fail(f"CI must run the fault suite, but: {reason}", pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------- databases


def forget_connections(database: Database) -> None:
    """Drop the test's own pooled connections, which a database restart has cut."""
    from classroom.extensions import db

    with database.app.app_context():
        db.engine.dispose()


def sqlite_integrity(database: Database) -> str:
    """SQLite's own check of the whole file."""
    connection = sqlite3.connect(database.url.removeprefix("sqlite:///"))
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def _postgres_binaries() -> Path | None:
    """The newest PostgreSQL server's bin folder from Debian's packages, if any."""
    found = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "initdb").exists()]
    return max(found, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0), default=None)


@dataclass
class Cluster:
    """A PostgreSQL cluster of this test run alone: never the shared server on 5432."""

    bin: Path
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/klasgesprek"

    def run(self, *command: str, timeout: float = 60) -> None:
        """Run a PostgreSQL program as the `postgres` user (the tests run as root)."""
        program = str(self.bin / command[0])
        # Output into a file, not a pipe: a server started by pg_ctl would hold a pipe open.
        output = self.folder / "commands.log"
        since = output.stat().st_size if output.exists() else 0
        with output.open("ab") as log:
            result = subprocess.run(  # noqa: S603 - fixed programs, our own folder
                [_program("runuser"), "-u", "postgres", "--", program, *command[1:]],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
                env={**os.environ, "LC_ALL": "C.UTF-8"},
            )
        said = output.read_bytes()[since:].decode(errors="replace")
        assert result.returncode == 0, f"{command[0]} failed:\n{said}"

    def pg_ctl(self, action: str, *options: str) -> None:
        self.run("pg_ctl", action, "-D", str(self.data), "-w", "-t", "60", *options)

    @property
    def server_log(self) -> str:
        return str(self.folder / "postgresql.log")

    def start(self) -> None:
        settings = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=100"
        )
        self.pg_ctl("start", "-l", self.server_log, "-o", settings)

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("stop", "-m", mode)

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every connection is cut, the server is back in a moment.

        The server starts again with the options it had (pg_ctl keeps them).
        """
        self.pg_ctl("restart", "-m", "fast", "-l", self.server_log)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A fresh cluster in /tmp (the postgres user must reach it), removed at the end."""
    binaries = _postgres_binaries()
    if binaries is None:
        cannot_run("no PostgreSQL server binaries (initdb) in /usr/lib/postgresql/*/bin")
    if os.geteuid() != 0:
        cannot_run("a private PostgreSQL cluster is started as the postgres user: needs root")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        cannot_run("no postgres user to run a private PostgreSQL cluster as")
    folder = Path(tempfile.mkdtemp(prefix="faultsuite-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    private = Cluster(binaries, folder, free_port())
    try:
        private.run("initdb", "-D", str(private.data), "-A", "trust", "-U", "postgres", "-N")
        private.start()
        private.run("createdb", "-h", "127.0.0.1", "-p", str(private.port), "klasgesprek")
        yield private
    finally:
        with contextlib.suppress(AssertionError, subprocess.SubprocessError):
            private.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def small_filesystem(folder: Path, megabytes: int) -> Iterator[Path]:
    """A tmpfs of this size mounted on the folder, unmounted afterwards."""
    folder.mkdir()
    if os.geteuid() != 0:
        cannot_run("the disk-full test mounts a small tmpfs: needs root")
    options = f"size={megabytes}m,mode=0700"
    mount = subprocess.run(  # noqa: S603 - fixed command line
        [_program("mount"), "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mount.returncode != 0:
        cannot_run(f"cannot mount a tmpfs: {mount.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run([_program("umount"), "-l", str(folder)], check=False)  # noqa: S603


def fill_up(folder: Path) -> Path:
    """Write a file until the filesystem has no byte left; return it."""
    filler = folder / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 12, 1 << 9, 1):
            chunk = b"\0" * size
            try:
                while os.write(descriptor, chunk) == size:
                    pass
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
    finally:
        os.close(descriptor)
    return filler


# ---------------------------------------------------------------- gunicorn


@contextlib.contextmanager
def serving(database: Database, folder: Path, name: str, **settings: str) -> Iterator[Server]:
    """gunicorn as deployed (`-w 4`, gunicorn.conf.py), up and with every worker running.

    `settings` are extra environment variables for the app (FLASK_...).
    """
    env = server_env(
        DATABASE_URL=database.url,
        FLASK_SECRET_KEY=database.secret,
        FLASK_LESSONS_DIR=str(LESSONS_DIR),
        **settings,
    )
    options = ("--log-level", "info", "--graceful-timeout", "10")
    log_path = folder / f"{name}.log"
    started = start_gunicorn(env, log_path, workers=WORKERS, options=options)
    server = Server(started.process, started.port, started.workers_wanted, started.log_path)
    try:
        server.wait_until_up("/healthz", timeout=90)
        server.wait_for_workers()
        yield server
    finally:
        # A quick shutdown: what the phones got is already counted.
        with contextlib.suppress(ProcessLookupError):
            server.process.send_signal(signal.SIGINT)
        server.stop()


def http_get(port: int, path: str, timeout: float = REQUEST_TIMEOUT) -> int:
    """The status of one GET, or 0 when nothing came back."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except NO_RESPONSE:
        return 0
    finally:
        connection.close()


# ---------------------------------------------------------------- phones


KINDS = ("answer", "state poll", "page")


@dataclass
class Tally:
    """What every phone got, by kind of request, and what must not have happened."""

    counts: Counter = field(default_factory=Counter)  # (kind, status or 0 for none): n
    problems: list[str] = field(default_factory=list)
    # (kind, status, seconds, started at) of every request: the lock test reads timings.
    timings: list[tuple[str, int, float, float]] = field(default_factory=list)
    troubled: set[int] = field(default_factory=set)  # phones that saw a 503 or no response
    # The client port of every request on its way: {port: kind}, to kill the worker of one.
    in_flight: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def saw(self, phone: int, kind: str, status: int, started: float, retry_after: str | None):
        seconds = time.monotonic() - started
        with self.lock:
            self.counts[(kind, status)] += 1
            self.timings.append((kind, status, seconds, started))
            if status in (0, 503):
                self.troubled.add(phone)
            if status >= 500 and status != 503:
                self.problems.append(f"phone {phone}, {kind}: {status}")
            if status == 503 and not (retry_after or "").isdigit():
                self.problems.append(f"phone {phone}, {kind}: 503 without Retry-After")

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def count(self, kind: str, test: Callable[[int], bool]) -> int:
        return sum(n for (k, status), n in self.counts.items() if k == kind and test(status))

    def row(self, fault: str, phones: list[FaultPhone], began: float) -> str:
        """One row of the issue's table: what the phones got during this fault."""
        parts = []
        for kind in KINDS:
            statuses = sorted((s, n) for (k, s), n in self.counts.items() if k == kind)
            shown = ", ".join(f"{'no response' if s == 0 else s} ×{n}" for s, n in statuses)
            parts.append(f"{kind}s: {shown or 'none'}")
        acknowledged = [phone.acknowledged_at for phone in phones if phone.acknowledged_at]
        errors = sum(self.count(kind, lambda s: s >= 500 and s != 503) for kind in KINDS)
        last = f"{max(acknowledged) - began:.0f} s" if acknowledged else "never"
        return (
            f"| {fault} | {len(phones)} phones: {len(acknowledged)} answers acknowledged, the "
            f"last {last} after the fault began; {'; '.join(parts)}; 500s: {errors}; "
            f"phones that saw a 503 or no response: {len(self.troubled)}; phones on an error "
            f"afterwards: {sum(phone.on_error for phone in phones)} |"
        )


def backoff(times: int, headers) -> float:
    """Seconds before the next try after `times` faults in a row, as live.js waits.

    Doubling from the poll interval up to 30 s, never sooner than Retry-After, spread at
    random over the upper half.
    """
    retry_after = headers.get("Retry-After", "") if headers is not None else ""
    asked = float(retry_after) if retry_after.isdigit() else 0.0
    ceiling = max(min(LONGEST_WAIT, POLL_SECONDS * 2**times), asked)
    floor = max(ceiling / 2, asked)
    return random.uniform(floor, ceiling)


class FaultPhone:
    """A student's phone that rides out faults as its scripts (live.js) do.

    Like live.js it does two things at once: it polls the state URL (and here loads
    its live page now and then), and it sends its answer until a 303 acknowledges it.
    Both wait as `backoff` says after a 503 or no response at all.
    """

    def __init__(self, port: int, lesson: Lesson, index: int, tally: Tally) -> None:
        self.port = port
        self.lesson = lesson
        self.index = index
        self.tally = tally
        self.cookie = ""
        self.csrf = ""
        self.etag = ""
        self.answer = lesson.expected_value(index)
        self.acknowledged = 0
        self.acknowledged_at = 0.0
        self.looks = 0
        self.on_error = False  # the last look of the phone was not its live page

    @property
    def answer_path(self) -> str:
        return f"/live/{self.lesson.code}/questions/{self.lesson.question_id}"

    @property
    def live_path(self) -> str:
        return f"/live/{self.lesson.code}"

    def request(self, kind: str, method: str, path: str, body: str | None = None, headers=None):
        """One request: (status, headers, text), status 0 when nothing came back."""
        sent = dict(headers or {})
        if self.cookie:
            sent["Cookie"] = f"session={self.cookie}"
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        port = None
        try:
            connection.connect()
            port = connection.sock.getsockname()[1]
            self.tally.in_flight[port] = kind
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        except NO_RESPONSE:
            self.tally.saw(self.index, kind, 0, started, None)
            return 0, None, ""
        finally:
            self.tally.in_flight.pop(port, None)
            connection.close()
        retry_after = response.getheader("Retry-After")
        self.tally.saw(self.index, kind, response.status, started, retry_after)
        for header in response.msg.get_all("Set-Cookie") or ():
            if found := re.match(r"session=([^;]*)", header):
                self.cookie = found[1]
        return response.status, response.msg, text

    def join(self) -> None:
        """Join by the link and load the live page with the question's form."""
        status, _headers, _text = self.request("join", "GET", f"/j/{self.lesson.code}")
        if status != 302 or not self.cookie:
            self.tally.problem(f"phone {self.index} could not join: {status}")
            return
        status, _headers, text = self.request("page", "GET", self.live_path)
        token = CSRF_INPUT.search(text)
        if status != 200 or self.answer_path not in text or token is None:
            self.tally.problem(f"phone {self.index} got no question form: {status}")
            return
        self.csrf = token[1]

    def look(self) -> tuple[int, object]:
        """A state poll, or every fifth time the live page: (status, headers)."""
        self.looks += 1
        if self.looks % 5 == 0:
            status, headers, _text = self.request("page", "GET", self.live_path)
            return status, headers
        sent = {"If-None-Match": self.etag} if self.etag else {}
        path = f"{self.live_path}/state"
        status, headers, _text = self.request("state poll", "GET", path, headers=sent)
        if status == 200:
            self.etag = headers.get("ETag", "")
        return (200 if status in (200, 304) else status), headers

    def send_answer(self) -> tuple[int, object]:
        """Send the answer once; on a 303 load the live page it leads to, as fetch does."""
        body = urllib.parse.urlencode({"csrf_token": self.csrf, "answer": self.answer})
        status, headers, _text = self.request("answer", "POST", self.answer_path, body)
        if status == 303:
            self.acknowledged += 1
            self.acknowledged_at = time.monotonic()
            self.request("page", "GET", self.live_path)
        elif status not in (0, 503) and status < 500:
            self.tally.problem(f"phone {self.index}: its answer got {status}")
        return status, headers

    def last_look(self) -> tuple[int, int]:
        """After the fault: one state poll and the live page, as the phone asks next."""
        sent = {"If-None-Match": self.etag} if self.etag else {}
        poll = self.request("state poll", "GET", f"{self.live_path}/state", headers=sent)
        page = self.request("page", "GET", self.live_path)
        self.on_error = poll[0] not in (200, 304) or page[0] != 200
        return poll[0], page[0]


def join_phones(server: Server, lesson: Lesson, count: int, tally: Tally) -> list[FaultPhone]:
    """Phones that joined the lesson and loaded the open question, 32 at a time."""
    phones = [FaultPhone(server.port, lesson, index, tally) for index in range(count)]
    run_all([phone.join for phone in phones], threads=32)
    assert tally.problems == [], tally.problems[:10]
    tally.counts.clear()
    tally.timings.clear()
    tally.troubled.clear()
    return phones


def ride_out(
    phones: list[FaultPhone],
    fault: Callable[[], None],
    answers_within: tuple[float, float],
    deadline: float = 90,
) -> None:
    """The phones poll and answer while `fault` runs in a thread of its own.

    Each phone sends its answer at a moment in `answers_within` (seconds from now);
    the phones go on until the fault is over and every answer is acknowledged, or
    the deadline passes.
    """
    start = time.monotonic()
    end = start + deadline
    over = threading.Event()
    fault_errors: list[BaseException] = []

    def run_fault() -> None:
        try:
            fault()
        except BaseException as error:  # reported below
            fault_errors.append(error)
        finally:
            over.set()

    def sleep_until(moment: float) -> None:
        while (pause := min(moment, end) - time.monotonic()) > 0:
            time.sleep(pause)

    def poller(phone: FaultPhone) -> None:
        sleep_until(start + random.uniform(0, POLL_SECONDS))
        failures = 0
        while time.monotonic() < end and not (over.is_set() and phone.acknowledged):
            status, headers = phone.look()
            failures = 0 if status == 200 else failures + 1
            wait = backoff(failures, headers) if failures else POLL_SECONDS
            # Woken early once the fault is over and the answer is in: the test goes on.
            stop = time.monotonic() + wait
            while time.monotonic() < min(stop, end):
                if over.is_set() and phone.acknowledged:
                    return
                time.sleep(min(0.2, max(stop - time.monotonic(), 0)))

    def answerer(phone: FaultPhone) -> None:
        sleep_until(start + random.uniform(*answers_within))
        times = 0
        while time.monotonic() < end:
            status, headers = phone.send_answer()
            if status == 303:
                return
            times += 1
            sleep_until(time.monotonic() + backoff(times, headers))

    faulting = threading.Thread(target=run_fault)
    faulting.start()
    try:
        calls = [lambda phone=phone: poller(phone) for phone in phones]
        calls += [lambda phone=phone: answerer(phone) for phone in phones]
        run_all(calls, len(calls))
    finally:
        faulting.join()
    if fault_errors:
        raise fault_errors[0]
    assert over.is_set()


def last_looks(phones: list[FaultPhone]) -> Counter:
    """Every phone's state poll and page after the fault: {(poll, page): phones}."""
    looks = Counter()
    lock = threading.Lock()

    def look(phone: FaultPhone) -> None:
        seen = phone.last_look()
        with lock:
            looks[seen] += 1

    run_all([lambda phone=phone: look(phone) for phone in phones], threads=16)
    return looks


def assert_rode_out(
    fault: str,
    began: float,
    server: Server,
    since: int,
    lesson: Lesson,
    phones: list[FaultPhone],
    tally: Tally,
) -> None:
    """Stored = acknowledged, no 500 anywhere, every phone back on its live page."""
    looks = last_looks(phones)
    print(f"\n{tally.row(fault, phones, began)}")
    log = server.log(since)
    unhandled = [marker for marker in UNHANDLED if marker in log]
    assert tally.problems == [], f"{len(tally.problems)} problems: {tally.problems[:10]}"
    assert not unhandled, f"the server logged {unhandled}:\n{log[-5000:]}"
    unacknowledged = [phone.index for phone in phones if not phone.acknowledged]
    assert not unacknowledged, f"{len(unacknowledged)} answers never acknowledged"
    assert_stored_exactly(lesson, phones)
    back = {seen: n for seen, n in looks.items() if seen[0] in (200, 304) and seen[1] == 200}
    assert sum(back.values()) == len(phones), f"after the fault, (state poll, page): {looks}"


@dataclass
class Classroom:
    """A lesson with one open question and its phones, joined through the server."""

    database: Database
    server: Server
    lesson: Lesson
    phones: list[FaultPhone]
    tally: Tally
    since: int  # where the server's log stood
    began: float = 0.0  # when the fault struck
    ended: float = 0.0  # when the database was back

    @classmethod
    def start(cls, database: Database, server: Server) -> Classroom:
        since = server.log_size()
        lesson = database.start_lesson("jihad", "scale")
        tally = Tally()
        return cls(
            database, server, lesson, join_phones(server, lesson, PHONES, tally), tally, since
        )

    def fault_strikes(self) -> None:
        """Mark the moment of the fault (the table counts from it)."""
        self.began = time.monotonic()

    def fault_ends(self) -> None:
        """Mark the moment the database is back."""
        self.ended = time.monotonic()

    def refused_since_the_end(self) -> Counter:
        """Requests sent once the database was back that were refused or got no response."""
        return Counter(
            (kind, status)
            for kind, status, _seconds, started in self.tally.timings
            if started >= self.ended and status in (0, 503)
        )

    def ride_out(self, fault: Callable[[], None], answers_within: tuple[float, float]) -> None:
        ride_out(self.phones, fault, answers_within)

    def assert_rode_out(self, fault: str) -> None:
        assert_rode_out(
            fault, self.began, self.server, self.since, self.lesson, self.phones, self.tally
        )


# ---------------------------------------------------------------- the tests
# A gunicorn start costs seconds on 2 cores: the tests on one database share its server,
# each with a lesson of its own.


@pytest.fixture(scope="module")
def on_private_postgresql(cluster, tmp_path_factory) -> Iterator[tuple[Database, Server]]:
    """The app on the private cluster, under gunicorn."""
    folder = tmp_path_factory.mktemp("postgresql")
    with fresh_database(cluster.url) as database, serving(database, folder, "pg") as server:
        yield database, server


@pytest.fixture(scope="module")
def on_this_pass(tmp_path_factory) -> Iterator[tuple[Database, Server]]:
    """The app on the pass's database (TEST_DATABASE_URL, else a SQLite file), under gunicorn."""
    folder = tmp_path_factory.mktemp("pass")
    url = TEST_DATABASE_URL if ON_POSTGRES else f"sqlite:///{folder / 'klasgesprek.sqlite'}"
    with fresh_database(url) as database, serving(database, folder, "pass") as server:
        yield database, server


@own_database_pass_only
def test_postgresql_restarted_mid_burst(cluster, on_private_postgresql):
    database, server = on_private_postgresql
    forget_connections(database)  # the test's own, which an earlier restart may have cut
    room = Classroom.start(database, server)
    took = []

    def restart() -> None:
        time.sleep(1.5)
        room.fault_strikes()
        cluster.restart()
        room.fault_ends()
        took.append(room.ended - room.began)
        time.sleep(2)

    room.ride_out(restart, answers_within=(0.5, 4))
    forget_connections(database)
    room.assert_rode_out(f"PostgreSQL restarted ({took[0]:.1f} s)")
    # The pool replaces the connections the restart cut before a request uses them.
    assert room.refused_since_the_end() == {}


@own_database_pass_only
def test_postgresql_down_eleven_seconds(cluster, on_private_postgresql):
    database, server = on_private_postgresql
    forget_connections(database)
    room = Classroom.start(database, server)
    health: list[int] = []

    def down() -> None:
        time.sleep(1)
        room.fault_strikes()
        cluster.stop()
        time.sleep(5.5)
        health.append(http_get(server.port, "/healthz"))
        time.sleep(5.5)
        cluster.start()
        room.fault_ends()
        time.sleep(1)

    room.ride_out(down, answers_within=(0.5, 11))
    forget_connections(database)
    room.assert_rode_out("PostgreSQL down 11 s")
    assert room.refused_since_the_end() == {}
    assert health == [503], f"/healthz while PostgreSQL was down: {health}"
    assert http_get(server.port, "/healthz") == 200


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 32 MB tmpfs on a folder of the test."""
    with small_filesystem(tmp_path / "disk", megabytes=32) as disk:
        yield disk


@own_database_pass_only
def test_sqlite_disk_full_while_answers_are_open(small_disk, tmp_path):
    url = f"sqlite:///{small_disk / 'klasgesprek.sqlite'}"
    # /healthz wants this much free space (HEALTH_MIN_FREE_MB): 1 MB of the 32 MB disk.
    with (
        fresh_database(url) as database,
        serving(database, tmp_path, "disk", FLASK_HEALTH_MIN_FREE_MB="1") as server,
    ):
        room = Classroom.start(database, server)
        _empty_the_write_ahead_log(database)
        health: list[int] = []
        free: list[int] = []

        def full() -> None:
            filler = fill_up(small_disk)
            room.fault_strikes()
            free.append(shutil.disk_usage(small_disk).free)
            try:
                time.sleep(3)
                health.append(http_get(server.port, "/healthz"))
                time.sleep(3)
            finally:
                filler.unlink()
            time.sleep(1)

        room.ride_out(full, answers_within=(0.5, 4))
        room.assert_rode_out("SQLite disk full, open answers")
        assert free[0] < 4096, f"{free[0]} bytes were left on the full disk"
        refused = room.tally.count("answer", lambda s: s == 503)
        assert refused > 0, "no answer was refused: the disk was never full for SQLite"
        assert health == [503], f"/healthz while the disk was full: {health}"
        assert http_get(server.port, "/healthz") == 200
        assert sqlite_integrity(database) == "ok"


def _empty_the_write_ahead_log(database: Database) -> None:
    """Checkpoint and truncate the WAL, so that the next write needs new disk space."""
    connection = sqlite3.connect(database.url.removeprefix("sqlite:///"), timeout=10)
    try:
        deadline = time.monotonic() + 10
        while connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] != 0:
            assert time.monotonic() < deadline, "the WAL could not be checkpointed"
            time.sleep(0.1)
    finally:
        connection.close()


# Held this long (the row held it 30 s): long enough for every phone to try.
LOCK_SECONDS = 10
# During the lock, state polls and pages are answered within this, answers refused in this.
READ_WITHIN = 1.0
REFUSE_WITHIN = 3.0


def spread(seconds: list[float]) -> str:
    """Median, 95th percentile and slowest of some durations."""
    if not seconds:
        return "no time"
    ordered = sorted(seconds)
    median, p95 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95)]
    return f"{median:.2f} s (median), {p95:.2f} s (95%), {ordered[-1]:.2f} s (slowest)"


@own_database_pass_only
def test_sqlite_write_lock_held(on_this_pass):
    database, server = on_this_pass
    room = Classroom.start(database, server)
    held: list[float] = []

    def lock() -> None:
        path = database.url.removeprefix("sqlite:///")
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            room.fault_strikes()
            time.sleep(LOCK_SECONDS)
            held.append(time.monotonic())
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        time.sleep(1)

    room.ride_out(lock, answers_within=(0.5, 4))
    during = [t for t in room.tally.timings if room.began <= t[3] and t[3] + t[2] <= held[0]]
    reads = [t for t in during if t[0] in ("state poll", "page")]
    refusals = [t for t in during if t[0] == "answer"]
    print(
        f"\nduring the {LOCK_SECONDS} s lock: {len(reads)} state polls and pages answered in "
        f"{spread([t[2] for t in reads])}; {len(refusals)} answers refused in "
        f"{spread([t[2] for t in refusals])}"
    )
    room.assert_rode_out(f"SQLite write lock held {LOCK_SECONDS} s")
    # Every phone asks every 2 s: a lock that stalls nothing has most of them answered.
    assert len(reads) >= len(room.phones) * LOCK_SECONDS / POLL_SECONDS / 2, len(reads)
    slow_reads = sorted((round(t[2], 2), t[0], t[1]) for t in reads if t[2] > READ_WITHIN)
    assert not slow_reads, f"reads slower than {READ_WITHIN} s: {slow_reads[-10:]}"
    assert refusals, "no answer was sent during the lock"
    assert all(t[1] == 503 for t in refusals), Counter(t[1] for t in refusals)
    slow_refusals = sorted(round(t[2], 2) for t in refusals if t[2] > REFUSE_WITHIN)
    assert not slow_refusals, f"refusals slower than {REFUSE_WITHIN} s: {slow_refusals}"
    assert sqlite_integrity(database) == "ok"


@contextlib.contextmanager
def answers_held_up(database: Database) -> Iterator[None]:
    """Hold writes up for a moment: SQLite's write lock, or a lock on PostgreSQL's answer table."""
    if database.url.startswith("sqlite"):
        path = database.url.removeprefix("sqlite:///")
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return
    from classroom.extensions import db

    with database.app.app_context(), db.engine.connect() as connection:
        connection.exec_driver_sql("LOCK TABLE response IN SHARE ROW EXCLUSIVE MODE")
        try:
            yield
        finally:
            connection.rollback()


def kill_a_worker_storing_an_answer(room: Classroom, killed: set[int]) -> None:
    """SIGKILL a worker while it stores a phone's answer, then wait for its replacement.

    Writes are held up meanwhile, so that a worker is in the middle of an answer.
    """
    server = room.server
    before = len(killed)
    with answers_held_up(room.database):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(killed) == before:
            flying = room.tally.in_flight.copy()  # one step under the GIL: no lock needed
            answering = {port for port, kind in flying.items() if kind == "answer"}
            for pid, port in server.busy_workers().items():
                if port in answering and pid not in killed:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
                    break
            time.sleep(0.005)
    server.wait_for_workers(gone=killed)


def test_a_restart_and_killed_workers(on_this_pass):
    database, server = on_this_pass
    room = Classroom.start(database, server)
    killed: set[int] = set()

    def kill_and_restart() -> None:
        time.sleep(1)
        room.fault_strikes()
        for _ in range(2):
            kill_a_worker_storing_an_answer(room, killed)
            time.sleep(0.5)
        before = server.workers()
        os.kill(server.process.pid, signal.SIGHUP)  # a graceful reload, as a deploy does
        server.wait_for_workers(gone=before)
        time.sleep(1)

    room.ride_out(kill_and_restart, answers_within=(0.5, 8))
    log = server.log(room.since)
    assert len(killed) == 2, "no worker was caught storing an answer"
    for pid in killed:
        assert f"Worker (pid:{pid}) was sent SIGKILL" in log, log[-5000:]
    assert "Handling signal: hup" in log, log[-3000:]
    room.assert_rode_out("2 workers killed, then a restart (kill -HUP)")
    # The answers the killed workers were storing got no response, and were sent again.
    assert room.tally.counts[("answer", 0)] >= 2, dict(room.tally.counts)
    if not ON_POSTGRES:
        assert sqlite_integrity(database) == "ok"
