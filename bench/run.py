"""Load benchmark: Klasgesprek's real student flow against a bare Flask floor, in one run.

Starts a floor app (bench/floor.py: Flask + Flask-SQLAlchemy, one insert
endpoint, one tiny GET and one 5 KB Jinja page with a CSRF token) and then
Klasgesprek itself, each under the same gunicorn settings on 127.0.0.1, and
drives both with wrk (bench/step.lua).
Klasgesprek gets a seeded school with many classes and a running lesson; the
simulated students go through the real HTTP flow: join with the code, wait
for a question (conditional GETs answered 304), load the question, answer it
(with the CSRF token of their page), and wait again. The presenter's state
poll and two staff pages are measured as well.

Every figure is compared with the floor measured in the same run, because
the machine is shared and absolute numbers move from run to run; the student
pages with the floor's page, the answer with its insert, the waits with its
tiny GET. At the end it prints the whole flow of 10,000 students in seconds of
server time, next to the floor's.

Usage (from the repository root; `make bench` installs what it needs first):

    .venv/bin/python bench/run.py [--students 10000] [--connections 64]
    .venv/bin/python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
    .venv/bin/python bench/run.py --compare postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
STEP_SCRIPT = BENCH / "step.lua"
USER_AGENT = "klasgesprek-bench"
TEACHER_EMAIL = "docent@bench.klasgesprek.nl"
TEACHER_PASSWORD = "bench-wachtwoord"  # noqa: S105 - a throwaway account in a throwaway database
MODULE = "jihad"
TEACHER_CLASSES = 6

# One helper starts and stops gunicorn for the benchmark and the tests.
sys.path.insert(0, str(ROOT / "tests"))
import servers as test_servers  # noqa: E402
from servers import start_gunicorn, stop_all  # noqa: E402

# The targets, checked and printed at the end of a run.
ANSWER_RATIO = 0.7
ANSWER_P99_MS = 100
WAIT_RATIO = 0.8
PRESENTER_WAIT_RATIO = 0.8
STUDENT_PAGE_RATIO = 0.5
PAGE_P99_MS = 50
FLOW_SECONDS = 30  # the whole flow of 10,000 students, in seconds of server time
FLOW_STUDENTS = 10_000
EVENT_SIZE = 1_000_000  # the lesson's size: no phone of the benchmark is ever refused
# The steps of one student's whole flow, with the floor step each is compared with.
FLOW = {
    "join (GET /j/CODE)": "page",
    "waiting page (GET /live/CODE)": "page",
    "wait (GET state, 304)": "tiny",
    "question page (GET /live/CODE)": "page",
    "answer (POST)": "insert",
    "page after answering (GET /live/CODE)": "page",
}


@dataclass
class Step:
    """The figures of one wrk step."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    statuses: dict[int, int]
    connections: int
    fillers: int = 0
    cpu_seconds: float | None = None
    floor: str | None = None
    floor_rps: float | None = None
    target: str = ""
    verdict: str = ""
    items: list[str] = field(default_factory=list, repr=False)

    @property
    def rps(self) -> float:
        """Requests per second over the whole step."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float | None:
        """This step's throughput divided by its floor's, from the same run."""
        return self.rps / self.floor_rps if self.floor_rps else None

    @property
    def cpu_ms(self) -> float | None:
        """CPU time of the server and its database per request, in milliseconds."""
        if self.cpu_seconds is None or not self.requests:
            return None
        return self.cpu_seconds * 1000 / (self.requests + self.fillers)


# ---------------------------------------------------------------- processes


class Server:
    """A gunicorn process group on 127.0.0.1 (tests/servers.py), stopped on exit."""

    def __init__(self, name: str, target: str, cwd: Path, env: dict, args, log: Path):
        self.name = name
        self.log_path = log
        options = ("--log-level", "warning")
        self.gunicorn = start_gunicorn(
            env,
            log,
            workers=args.workers,
            threads=args.worker_threads,
            target=target,
            cwd=cwd,
            options=options,
        )
        self.process = self.gunicorn.process
        self.port = self.gunicorn.port

    @property
    def base(self) -> str:
        """The server's base URL."""
        return self.gunicorn.base

    def wait_ready(self, path: str, timeout: float = 30.0) -> None:
        """Wait until the server answers the path, or fail."""
        try:
            self.gunicorn.wait_until_up(path, timeout)
        except AssertionError:
            raise SystemExit(f"{self.name} did not start; see {self.log_path}") from None

    def stop(self) -> None:
        """Stop gunicorn gracefully, and kill its process group if it lingers."""
        stop_all([self.gunicorn], timeout=15)


class MemorySampler:
    """Samples the resident memory of a gunicorn master and its workers."""

    def __init__(self, pid: int, interval: float = 0.5):
        self.pid = pid
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_worker_rss = 0
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def tree(self) -> list[int]:
        pids = [self.pid]
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.pid:
                    pids.append(int(entry.name))
        return pids

    @staticmethod
    def _kib(path: Path, key: str) -> int:
        with contextlib.suppress(OSError):
            for line in path.read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        return 0

    def sample(self) -> None:
        """Take one sample and keep the peaks."""
        pids = self.tree()
        rss = [self._kib(Path(f"/proc/{pid}/status"), "VmRSS:") for pid in pids]
        pss = [self._kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss:") for pid in pids]
        self.processes = len(pids)
        self.peak_rss = max(self.peak_rss, sum(rss))
        self.peak_pss = max(self.peak_pss, sum(pss))
        self.peak_worker_rss = max([self.peak_worker_rss, *rss[1:]])

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


class CpuMeter:
    """CPU time used by a gunicorn master and its workers, and by the database's server.

    Throughput moves with whatever else the shared machine runs; the CPU time a
    request costs moves far less, so it compares two runs (SQLite against
    PostgreSQL) that the machine's load would otherwise set apart. On PostgreSQL
    the server processes of the benchmark's database count too (on this machine
    they share the cores with gunicorn), each found in `pg_stat_activity`.
    """

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int, database_url: str | None):
        self.pid = pid
        self.database_url = database_url

    def sample(self) -> dict[int, int]:
        """CPU ticks so far of every process counted, by process id."""
        pids = set(MemorySampler(self.pid).tree())
        if self.database_url:
            pids.update(self._database_processes())
        ticks = {}
        for pid in pids:
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
        return ticks

    def seconds_since(self, before: dict[int, int]) -> float:
        """CPU seconds used since `before` (a process that started since counts from 0)."""
        after = self.sample()
        used = sum(ticks - before.get(pid, 0) for pid, ticks in after.items())
        return used / self.TICKS

    def _database_processes(self) -> list[int]:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.database_url)
        with psycopg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            dbname=url.database,
            autocommit=True,
        ) as connection:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [row[0] for row in rows]


# ---------------------------------------------------------------- HTTP helpers


def request(
    method: str, url: str, headers: dict | None = None, body: str | None = None
) -> tuple[int, dict[str, str], str]:
    """One HTTP request without following redirects: (status, headers, body)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        sent = {"User-Agent": USER_AGENT, **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


class Browser:
    """A staff member's browser: one session cookie, CSRF tokens from the pages."""

    def __init__(self, base: str):
        self.base = base
        self.cookie = ""

    def _send(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        body = urllib.parse.urlencode(data) if data is not None else None
        status, response_headers, text = request(method, self.base + path, headers, body)
        if found := re.search(r"session=([^;]*)", response_headers.get("Set-Cookie", "")):
            self.cookie = found[1]
        return status, response_headers, text

    def get(self, path: str) -> tuple[int, dict, str]:
        """GET a page, keeping the session cookie."""
        return self._send("GET", path)

    def post_form(self, page: str, action: str, data: dict) -> int:
        """POST a form with the CSRF token of the page it is on; return the status."""
        _status, _headers, text = self.get(page)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if token is None:
            raise SystemExit(f"no CSRF token on {page}")
        status, _headers, _text = self._send("POST", action, {**data, "csrf_token": token[1]})
        return status


def signed_payload(value: str):
    """The JSON inside an itsdangerous token (signed, not encrypted), as Flask makes them."""
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if value.startswith("."):
        raw = zlib.decompress(raw)
    return json.loads(raw)


def session_token(cookie: str, run_id: int) -> str | None:
    """The device token inside a Flask session cookie."""
    return signed_payload(cookie).get("runs", {}).get(str(run_id))


# ---------------------------------------------------------------- wrk


class Wrk:
    """Runs one benchmark step with wrk and bench/step.lua."""

    def __init__(self, workdir: Path, threads: int, duration: int):
        self.workdir = workdir
        self.threads = threads
        self.duration = duration
        self.meters: dict[str, CpuMeter] = {}  # by the base URL of the server measured

    def step(
        self,
        name: str,
        base: str,
        path: str,
        *,
        connections: int,
        method: str = "GET",
        body: str | None = None,
        headers: tuple[str, ...] = (),
        items: list[str] | None = None,
        once: bool = False,
        count: int | None = None,
        collect: str = "",
        expect: tuple[int, ...] = (200,),
        filler_path: str = "/static/favicon.svg",
    ) -> Step:
        """Run wrk with one request per item (round robin), for the duration.

        With `once`, every item (or `count` requests without items) is sent
        exactly once and the step ends when the last response is in.
        """
        out = self.workdir / f"{name}.txt"
        quota = once or count is not None
        if quota and not (items or count):
            raise SystemExit(f"step {name}: nobody to send a request for")
        threads = 1 if quota else self.threads
        env = {
            **os.environ,
            "BENCH_METHOD": method,
            "BENCH_PATH": path,
            "BENCH_BODY": body or "",
            "BENCH_HEADERS": "|".join((f"User-Agent: {USER_AGENT}", *headers)),
            "BENCH_QUOTA": "1" if quota else "0",
            "BENCH_COUNT": str(count or 0),
            "BENCH_COLLECT": collect,
            "BENCH_EXPECT": ",".join(map(str, expect)),
            "BENCH_THREADS": str(threads),
            "BENCH_OUT": str(out),
            "BENCH_FILLER_PATH": filler_path,
            "BENCH_ITEMS": "",
        }
        if items is not None:
            items_file = self.workdir / f"{name}.in"
            items_file.write_text("".join(f"{item}\n" for item in items))
            env["BENCH_ITEMS"] = str(items_file)
        # A step with a quota ends when every request has its answer; the
        # duration is then only a safety net.
        total = len(items or ()) or count or 0
        seconds = max(120, total // 50) if quota else self.duration
        command = [
            "wrk",
            "--threads",
            str(threads),
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "5s",
            "--script",
            str(STEP_SCRIPT),
            base,
        ]
        meter = self.meters.get(base)
        before = meter.sample() if meter else None
        result = subprocess.run(  # noqa: S603 - fixed command line
            command, env=env, capture_output=True, text=True, check=False
        )
        cpu_seconds = meter.seconds_since(before) if meter else None
        (self.workdir / f"{name}.wrk").write_text(result.stdout + result.stderr)
        if result.returncode != 0 or not out.exists():
            raise SystemExit(f"wrk failed in step {name}:\n{result.stdout}{result.stderr}")
        figures = {}
        for line in out.read_text().splitlines():
            key, value = line.split()
            figures[key] = int(value)
        statuses = {
            int(key.removeprefix("code_")): value
            for key, value in figures.items()
            if key.startswith("code_")
        }
        collected = []
        if collect:
            collected = Path(f"{out}.items").read_text().splitlines()
        return Step(
            name=name,
            requests=figures["requests"] - figures["filler_responses"],
            fillers=figures["filler_responses"],
            seconds=figures["duration_us"] / 1e6,
            p50_ms=figures["p50_us"] / 1000,
            p90_ms=figures["p90_us"] / 1000,
            p99_ms=figures["p99_us"] / 1000,
            max_ms=figures["max_us"] / 1000,
            errors=figures["socket_errors"] + figures["unexpected"],
            statuses=statuses,
            connections=connections,
            cpu_seconds=cpu_seconds,
            items=collected,
        )


# ---------------------------------------------------------------- the run


def seed(database_url: str, secret: str, classes: int) -> dict:
    """Create the schema and a school with classes, a teacher and a running lesson."""
    from classroom import create_app
    from classroom.accounts.models import School, User
    from classroom.coordination.models import SchoolClass
    from classroom.extensions import db
    from classroom.lessons.content import get_library
    from classroom.polls import services

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.create_all()
        school = School(name="Gemeentelijke bijeenkomst", min_answers=5)
        teacher = User(school=school, email=TEACHER_EMAIL, name="Bench docent", role="teacher")
        teacher.set_password(TEACHER_PASSWORD)
        levels = ("vmbo", "havo", "vwo")
        school_classes = [
            SchoolClass(
                school=school,
                name=f"Klas {number:03d}",
                level=levels[number % 3],
                year=number % 6 + 1,
                # A teacher teaches a handful of the school's classes, not all of them.
                teachers=[teacher] if number <= TEACHER_CLASSES else [],
            )
            for number in range(1, classes + 1)
        ]
        db.session.add_all([school, teacher, *school_classes])
        db.session.flush()
        module = get_library().get(MODULE)
        if module is None:
            raise SystemExit(f"module {MODULE!r} is missing from lessons/")
        # A municipal event: one lesson for the whole hall, every phone of the run counted in.
        run = services.start_run(module, school_classes[0], teacher, "nl", EVENT_SIZE)
        question = next(q for q in run.questions if q.type in ("scale", "single"))
        db.session.commit()
        info = {
            "run_id": run.id,
            "code": run.join_code,
            "question_id": question.id,
            "question_type": question.type,
        }
        db.engine.dispose()
    return info


def stored_answers(database_url: str, secret: str, question_id: int) -> int:
    """Count the stored answers of the question through polls.answers, the owner of answers."""
    from classroom import create_app
    from classroom.extensions import db
    from classroom.polls import answers
    from classroom.polls.models import Question

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret})
    with app.app_context():
        count = answers.count_answers(db.session.get(Question, question_id))
        db.engine.dispose()
    return count


def drop_floor_table(database_url: str) -> None:
    """Remove the floor's table from a shared (PostgreSQL) database."""
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS bench_floor_row")
    engine.dispose()


def ensure_postgres_database(database_url: str) -> None:
    """Create the PostgreSQL database of the URL if it does not exist yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    engine.dispose()


def server_env(database_url: str, secret: str) -> dict:
    """The environment of both servers: no stray Flask settings from the caller."""
    return test_servers.server_env(DATABASE_URL=database_url, FLASK_SECRET_KEY=secret)


class Floor:
    """The floor app under the same gunicorn settings, measured between the app's steps.

    Both servers run for the whole benchmark (an idle one costs no CPU), and
    the floor is measured several times, around the steps it is compared
    with, so that a change in the machine's background load hits both.
    """

    def __init__(self, args, wrk: Wrk, workdir: Path, database_url: str):
        self.args = args
        self.wrk = wrk
        env = server_env(database_url, "floor")
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "floor", "init-db"],
            cwd=BENCH,
            env=env,
            check=True,
        )
        self.server = Server("floor", "floor:app", BENCH, env, args, workdir / "floor.log")
        postgres = database_url if database_url.startswith("postgresql") else None
        wrk.meters[self.server.base] = CpuMeter(self.server.process.pid, postgres)
        self.steps: dict[str, Step] = {}
        self.cookie = ""

    def tiny(self) -> None:
        """Measure the tiny GET once more."""
        number = sum(name.startswith("tiny") for name in self.steps) + 1
        self.steps[f"tiny GET #{number}"] = self.wrk.step(
            f"floor-tiny-{number}", self.server.base, "/tiny", connections=self.args.connections
        )

    def insert(self) -> None:
        """Measure the one-row insert once more (a body as long as an answer's)."""
        number = sum(name.startswith("insert") for name in self.steps) + 1
        self.steps[f"insert #{number}"] = self.wrk.step(
            f"floor-insert-{number}",
            self.server.base,
            "/insert",
            method="POST",
            body="answer={answer}&csrf_token=" + "x" * 91,
            connections=self.args.connections,
        )

    def page(self) -> None:
        """Measure the Jinja page once more (with a session cookie, as a phone has)."""
        number = sum(name.startswith("page") for name in self.steps) + 1
        if not self.cookie:
            _status, headers, _body = request("GET", f"{self.server.base}/page")
            self.cookie = headers["Set-Cookie"].partition(";")[0]
        self.steps[f"page #{number}"] = self.wrk.step(
            f"floor-page-{number}",
            self.server.base,
            "/page",
            connections=self.args.connections,
            headers=(f"Cookie: {self.cookie}",),
        )

    def rps(self, kind: str) -> float:
        """The mean throughput of all measurements of one kind ("tiny", "insert", "page")."""
        figures = [step.rps for name, step in self.steps.items() if name.startswith(kind)]
        return sum(figures) / len(figures)

    def cpu_ms(self, kind: str) -> float:
        """The mean CPU milliseconds per request of one kind, over all its measurements."""
        figures = [step.cpu_ms for name, step in self.steps.items() if name.startswith(kind)]
        return sum(figures) / len(figures)


class Lesson:
    """Klasgesprek on one database: its server, its teacher and its phones, step by step.

    `run` drives one lesson, or (with `--compare`) one on SQLite and one on
    PostgreSQL in turns, each step of the one right after the same step of the
    other, so that both meet the same load of the shared machine.
    """

    def __init__(self, label: str, args, wrk: Wrk, workdir: Path, database_url: str, secret: str):
        self.label, self.args, self.wrk = label, args, wrk
        self.database_url, self.secret = database_url, secret
        self.prefix = f"{label.lower()}-" if args.compare else ""
        info = seed(database_url, secret, args.classes)
        self.code, self.run_id = info["code"], info["run_id"]
        self.question_id = info["question_id"]
        env = server_env(database_url, secret)
        env["FLASK_LESSONS_DIR"] = str(ROOT / "lessons")
        log = workdir / f"{self.prefix}app.log"
        self.server = Server("app", "wsgi:app", ROOT, env, args, log)
        postgres = database_url if database_url.startswith("postgresql") else None
        wrk.meters[self.server.base] = CpuMeter(self.server.process.pid, postgres)
        self.steps: dict[str, Step] = {}
        self.live = f"/live/{self.code}"
        self.phones: dict[str, str] = {}
        self.students: dict[str, str] = {}
        self.memory = MemorySampler(self.server.process.pid)
        self.teacher: Browser | None = None
        self.answers: dict = {}

    def start(self, floor: Floor) -> None:
        """Log the teacher in and warm every worker, as on a server that runs a while."""
        base = self.server.base
        self.server.wait_ready("/join")
        self.teacher = Browser(base)
        login = {"email": TEACHER_EMAIL, "password": TEACHER_PASSWORD}
        if (status := self.teacher.post_form("/auth/login", "/auth/login", login)) != 302:
            raise SystemExit(f"the bench teacher could not log in (status {status})")
        for _ in range(self.args.workers * 4):
            request("GET", f"{base}/j/{self.code}")
            self.teacher.get(f"/runs/{self.run_id}/present")
            self.teacher.get(f"/lessons/{MODULE}")
            request("GET", f"{floor.server.base}/tiny")
            request("GET", f"{floor.server.base}/page")
        self.memory.__enter__()

    def _step(self, name: str, path: str, **options) -> Step:
        return self.wrk.step(self.prefix + name, self.server.base, path, **options)

    def _once_each(self, name: str, collect: str) -> Step:
        """Every phone loads its live page once, keeping what the response hands out."""
        return self._step(
            name,
            self.live,
            items=[line.partition("\t")[0] for line in self.phones.values()],
            once=True,
            connections=self.args.connections,
            collect=collect,
            expect=(200,),
        )

    def _wait(self, name: str) -> Step:
        """Phones asking "anything new?" in turn, each with its own cookie and last ETag."""
        cookies = [line.partition("\t")[0] for line in self.phones.values()]
        state = f"{self.live}/state"
        cookie = {"Cookie": f"session={cookies[0]}"}
        _status, headers, _body = request("GET", self.server.base + state, cookie)
        return self._step(
            name,
            state,
            items=cookies,
            connections=self.args.connections,
            headers=(f"If-None-Match: {headers['ETag']}",),
            expect=(304,),
        )

    def join(self) -> None:
        """Every student joins with the code (a session cookie with a device token) and
        follows the redirect to the waiting screen."""
        join = self._step(
            "join",
            f"/j/{self.code}",
            count=self.args.students,
            connections=self.args.connections,
            collect="cookie",
            expect=(302,),
        )
        self.steps["join (GET /j/CODE)"] = join
        self.phones = by_student({}, join.items, self.run_id)
        page = self._once_each("waiting-page", collect="cookie")
        self.steps["waiting page (GET /live/CODE)"] = page
        self.phones = by_student(self.phones, page.items, self.run_id)

    def wait(self) -> None:
        """Their phones ask "anything new?" while the teacher talks."""
        self.steps["wait (GET state, 304)"] = self._wait("wait")

    def open_question(self) -> None:
        """The teacher opens the question; every phone loads it (and a CSRF token)."""
        detail = f"/runs/{self.run_id}"
        action = f"{detail}/questions/{self.question_id}/open"
        if (opened := self.teacher.post_form(detail, action, {})) != 303:
            raise SystemExit(f"the bench teacher could not open the question ({opened})")
        page = self._once_each("question-page", collect="cookie+csrf")
        self.steps["question page (GET /live/CODE)"] = page
        self.students = {
            token: line
            for token, line in by_student(self.phones, page.items, self.run_id).items()
            if line.partition("\t")[2]
        }

    def answer(self) -> None:
        """Every student answers once, with the CSRF token of their page."""
        answer = self._step(
            "answer",
            f"{self.live}/questions/{self.question_id}",
            method="POST",
            body="answer={answer}&csrf_token={csrf}",
            items=list(self.students.values()),
            once=True,
            connections=self.args.connections,
            collect="cookie",
            expect=(303,),
        )
        self.steps["answer (POST)"] = answer
        self.phones = by_student(self.students, answer.items, self.run_id)

    def answered_page(self) -> None:
        """And follows the redirect to the page that confirms it."""
        page = self._once_each("answered-page", collect="cookie")
        self.steps["page after answering (GET /live/CODE)"] = page
        self.phones = by_student(self.phones, page.items, self.run_id)

    def wait_again(self) -> None:
        """And waits again."""
        self.steps["wait again (GET state, 304)"] = self._wait("wait-again")

    def presenter_wait(self) -> None:
        """The projector asks for news too (version and answer count)."""
        path = f"/runs/{self.run_id}/state"
        _status, headers, _body = self.teacher.get(path)
        self.steps["presenter wait (GET state, 304)"] = self._step(
            "presenter-wait",
            path,
            connections=self.args.connections,
            headers=(f"Cookie: session={self.teacher.cookie}", f"If-None-Match: {headers['ETag']}"),
            expect=(304,),
        )

    def staff_pages(self) -> None:
        """Markdown rendered once per worker, results from the database."""
        for name, path in (
            ("lesson guide", f"/lessons/{MODULE}"),
            ("presenter view", f"/runs/{self.run_id}/present"),
        ):
            self.steps[f"{name} (page)"] = self._step(
                name.replace(" ", "-"),
                path,
                connections=self.args.page_connections,
                headers=(f"Cookie: session={self.teacher.cookie}",),
                expect=(200,),
            )
        self.memory.sample()

    def stop(self) -> None:
        """Stop the server and the memory sampler."""
        if self.memory._thread.is_alive():
            self.memory.__exit__(None, None, None)
        self.server.stop()

    def counts(self) -> dict:
        """Students who joined, loaded the question, were acknowledged; answers stored."""
        answer = self.steps.get("answer (POST)")
        join = self.steps.get("join (GET /j/CODE)")
        return {
            "students": self.args.students,
            "joined": len(join.items) if join else 0,
            "loaded the question": len(self.students),
            "acknowledged": answer.statuses.get(303, 0) if answer else 0,
            "stored": stored_answers(self.database_url, self.secret, self.question_id),
        }


def run(args, wrk: Wrk, workdir: Path, urls: dict[str, str], floor_url: str, secret: str):
    """Seed, start the servers, drive the student flow with floor measurements between.

    `urls` holds a database per lesson (label: URL); with two, each step runs on
    the one and right after on the other.
    """
    floor = Floor(args, wrk, workdir, floor_url)
    lessons = [Lesson(label, args, wrk, workdir, url, secret) for label, url in urls.items()]

    def each(stage: str) -> None:
        for lesson in lessons:
            getattr(lesson, stage)()

    try:
        floor.server.wait_ready("/tiny")
        for lesson in lessons:
            lesson.start(floor)
        floor.tiny()
        floor.page()
        each("join")
        each("wait")
        floor.tiny()
        floor.page()
        each("open_question")
        floor.insert()
        each("answer")
        floor.insert()
        each("answered_page")
        floor.page()
        each("wait_again")
        each("presenter_wait")
        floor.tiny()
        each("staff_pages")
    finally:
        for lesson in lessons:
            lesson.stop()
        floor.server.stop()
    for lesson in lessons:
        lesson.answers = lesson.counts()
    return floor, lessons


def by_student(previous: dict[str, str], lines: list[str], run_id: int) -> dict[str, str]:
    """Cookie (and CSRF token) lines by device token; newer lines replace older ones.

    A response sets a cookie only when the session changed, so a phone keeps
    its previous cookie otherwise, as a browser would.
    """
    phones = dict(previous)
    by_csrf = {}
    for token, line in phones.items():
        if raw := signed_payload(line.partition("\t")[0]).get("csrf_token"):
            by_csrf[raw] = token
    for line in lines:
        cookie, _tab, csrf = line.partition("\t")
        if cookie:
            token = session_token(cookie, run_id)
        else:  # the same session as before: find it by the token's raw CSRF value
            token = by_csrf.get(signed_payload(csrf))
            line = phones[token].partition("\t")[0] + "\t" + csrf if token else ""
        if token:
            phones[token] = line
    return phones


# ---------------------------------------------------------------- report


def judge(steps: dict[str, Step], floor: Floor) -> None:
    """Attach each step's floor, ratio, target and verdict."""
    for name, step in steps.items():
        kind = "insert" if name.startswith("answer") else "tiny"
        if name in FLOW and FLOW[name] == "page":
            kind = "page"
        step.floor, step.floor_rps = f"{kind} (mean)", floor.rps(kind)
        if kind == "page":
            step.target = f">= {STUDENT_PAGE_RATIO}, no errors"
            checks = [step.ratio >= STUDENT_PAGE_RATIO, step.errors == 0]
        elif name.startswith("presenter wait"):
            step.target = f">= {PRESENTER_WAIT_RATIO}, no errors"
            checks = [step.ratio >= PRESENTER_WAIT_RATIO, step.errors == 0]
        elif name.startswith("answer"):
            step.target = f">= {ANSWER_RATIO}, p99 < {ANSWER_P99_MS} ms, no errors"
            checks = [step.ratio >= ANSWER_RATIO, step.p99_ms < ANSWER_P99_MS, step.errors == 0]
        elif "(GET state" in name:
            step.target = f">= {WAIT_RATIO}, no errors"
            checks = [step.ratio >= WAIT_RATIO, step.errors == 0]
        elif name.endswith("(page)"):
            step.target = f"p99 < {PAGE_P99_MS} ms, no errors"
            checks = [step.p99_ms < PAGE_P99_MS, step.errors == 0]
        else:
            step.target = "no errors"
            checks = [step.errors == 0]
        step.verdict = "met" if all(checks) else "MISSED"


def flow_seconds(steps: dict[str, Step], floor: Floor) -> tuple[float, float]:
    """Seconds of server time for 10,000 students' whole flow: the app's, and the floor's.

    Each student joins, loads the waiting page, waits once, loads the question,
    answers and loads the page after; each step at the throughput it reached.
    """
    app = sum(FLOW_STUDENTS / steps[name].rps for name in FLOW)
    bare = sum(FLOW_STUDENTS / floor.rps(kind) for kind in FLOW.values())
    return app, bare


def flow_cpu_seconds(steps: dict[str, Step], floor: Floor) -> tuple[float, float]:
    """CPU seconds (server and database) of 10,000 students' whole flow: the app's, the floor's.

    What the flow costs the machine, which its load moves far less than the rates:
    comparable between runs, and between SQLite and PostgreSQL.
    """
    app = sum(FLOW_STUDENTS * steps[name].cpu_ms / 1000 for name in FLOW)
    bare = sum(FLOW_STUDENTS * floor.cpu_ms(kind) / 1000 for kind in FLOW.values())
    return app, bare


def print_table(title: str, steps: dict[str, Step]) -> None:
    """Print one line per step."""
    print(f"\n{title}")
    header = (
        f"{'step':<38} {'conn':>4} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'cpu ms':>6} {'floor':<13} {'ratio':>5}  target"
    )
    print(header)
    print("-" * (len(header) + 40))
    for name, step in steps.items():
        ratio = f"{step.ratio:.2f}" if step.ratio is not None else "-"
        cpu = f"{step.cpu_ms:.2f}" if step.cpu_ms is not None else "-"
        print(
            f"{name:<38} {step.connections:>4} {step.rps:>7.0f} {step.p50_ms:>7.1f} "
            f"{step.p99_ms:>7.1f} {step.errors:>6} {cpu:>6} {step.floor or '-':<13} {ratio:>5}  "
            f"{step.target} {step.verdict}".rstrip()
        )


def main(argv: list[str] | None = None) -> int:
    """Run the whole benchmark and print the figures; exit 1 if answers went missing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10_000, help="simulated phones")
    parser.add_argument("--connections", type=int, default=64, help="concurrent clients")
    parser.add_argument(
        "--page-connections", type=int, default=2, help="concurrent teachers on staff pages"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads for the timed steps")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--worker-threads",
        type=int,
        help="threads per gunicorn worker, for the app and the floor alike: 1 for sync "
        "workers (default: gunicorn.conf.py's worker class and threads, as deployed)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per timed step")
    parser.add_argument("--classes", type=int, default=60, help="classes in the seeded school")
    parser.add_argument(
        "--database-url",
        help="run on this database instead of SQLite, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/bench (created if missing; "
        "its tables are dropped and recreated)",
    )
    parser.add_argument(
        "--compare",
        metavar="DATABASE_URL",
        help="run on SQLite and on this PostgreSQL database side by side, each step on the one "
        "right after the same step on the other, and compare the two (the floor on SQLite)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder with logs")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or run `make bench`)")
    if args.compare and args.database_url:
        raise SystemExit("--compare runs SQLite beside the given PostgreSQL: no --database-url")

    workdir = Path(tempfile.mkdtemp(prefix="klasgesprek-bench-"))
    secret = secrets.token_hex(32)
    urls = {}
    floor_url = f"sqlite:///{workdir / 'floor.sqlite'}"
    if args.database_url:
        ensure_postgres_database(args.database_url)
        urls["PostgreSQL"] = floor_url = args.database_url
    else:
        urls["SQLite"] = f"sqlite:///{workdir / 'app.sqlite'}"
    if args.compare:
        ensure_postgres_database(args.compare)
        urls["PostgreSQL"] = args.compare
    database = " and ".join(("SQLite (WAL)" if label == "SQLite" else label) for label in urls)
    print(
        f"Klasgesprek benchmark: {database}, gunicorn {args.workers} workers "
        f"({_worker_kind(args.worker_threads)}), "
        f"wrk {args.threads} thread(s) with {args.connections} connections, "
        f"{args.students} students, {os.cpu_count()} cores; work folder {workdir}",
        flush=True,
    )
    try:
        wrk = Wrk(workdir, args.threads, args.duration)
        floor, lessons = run(args, wrk, workdir, urls, floor_url, secret)
        if args.database_url:
            drop_floor_table(args.database_url)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    print_table("Floor (bare Flask + Flask-SQLAlchemy, same gunicorn settings)", floor.steps)
    print(
        f"mean: tiny GET {floor.rps('tiny'):.0f} req/s, insert {floor.rps('insert'):.0f} req/s, "
        f"page {floor.rps('page'):.0f} req/s"
    )
    record = {
        "database": database,
        "args": vars(args),
        "floor": {name: _figures(step) for name, step in floor.steps.items()},
        "lessons": {},
    }
    equal = True
    flows = {}
    for lesson in lessons:
        figures = report(lesson, floor)
        record["lessons"][lesson.label] = figures
        flows[lesson.label] = figures["flow_seconds"]["app"], figures["flow_cpu_seconds"]["app"]
        equal = equal and figures["answers"]["stored"] == figures["answers"]["acknowledged"]
    if len(lessons) == 2:
        (sqlite, sqlite_cpu), (postgres, postgres_cpu) = flows["SQLite"], flows["PostgreSQL"]
        print(
            f"\nPostgreSQL against SQLite, step by step side by side: whole flow {postgres:.1f} s "
            f"against {sqlite:.1f} s ({postgres / sqlite:.2f}x); in CPU time "
            f"{postgres_cpu:.1f} s against {sqlite_cpu:.1f} s ({postgres_cpu / sqlite_cpu:.2f}x)"
        )
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(record, indent=2))
    print(f"Figures saved in {path.relative_to(ROOT)}")
    return 0 if equal else 1


def report(lesson: Lesson, floor: Floor) -> dict:
    """Print one lesson's figures against the floor; return them for the results file."""
    steps, memory, counts = lesson.steps, lesson.memory, lesson.answers
    judge(steps, floor)
    print_table(
        f"Klasgesprek on {lesson.label} (ratio: req/s divided by the floor's mean in this run)",
        steps,
    )
    flow, bare = flow_seconds(steps, floor)
    verdict = "met" if flow <= FLOW_SECONDS else "MISSED"
    print(
        f"\nWhole flow of {FLOW_STUDENTS:,} students (join, waiting page, wait, question page, "
        f"answer, page after): {flow:.1f} s of server time, the floor's {bare:.1f} s "
        f"({flow / bare:.2f}x); target <= {FLOW_SECONDS} s: {verdict}"
    )
    cpu, bare_cpu = flow_cpu_seconds(steps, floor)
    print(
        f"The same flow in CPU time of the server and its database: {cpu:.1f} s, the floor's "
        f"{bare_cpu:.1f} s ({cpu / bare_cpu:.2f}x)"
    )
    fillers = sum(step.fillers for step in steps.values())
    if fillers:
        print(f"({fillers} filler requests at the ends of the once-per-student steps not counted)")
    print(
        f"\nResident memory of the app under this load: peak {memory.peak_rss / 1024:.0f} MiB RSS "
        f"summed over the master and {memory.processes - 1} workers "
        f"(largest worker {memory.peak_worker_rss / 1024:.0f} MiB); "
        f"{memory.peak_pss / 1024:.0f} MiB PSS (shared pages counted once)"
    )
    print("Students: " + ", ".join(f"{key} {value}" for key, value in counts.items()))
    equal = counts["stored"] == counts["acknowledged"]
    print(
        f"Stored answers {counts['stored']} versus acknowledged answers "
        f"{counts['acknowledged']}: " + ("equal" if equal else "NOT EQUAL")
    )
    return {
        "steps": {name: _figures(step) for name, step in steps.items()},
        "memory_kib": {"rss": memory.peak_rss, "pss": memory.peak_pss},
        "answers": counts,
        "flow_seconds": {"app": flow, "floor": bare},
        "flow_cpu_seconds": {"app": cpu, "floor": bare_cpu},
    }


def _worker_kind(threads: int | None) -> str:
    """The worker class and threads both servers run with, in words."""
    if threads is None:
        options = test_servers.deployed_workers()
        kind, threads = options[1], int(options[3])
        return f"{kind}, {threads} threads each, as gunicorn.conf.py" if kind == "gthread" else kind
    return "sync" if threads == 1 else f"gthread, {threads} threads each"


def _figures(step: Step) -> dict:
    figures = {**asdict(step), "rps": step.rps, "ratio": step.ratio}
    figures.pop("items")
    return figures


if __name__ == "__main__":
    sys.exit(main())
