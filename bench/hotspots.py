"""Where the time of one request goes: the benchmark's steps in-process.

No server and no load generator: each request is handed straight to the WSGI
app (Klasgesprek's and the floor's) through Flask's test client, along the
same flow as bench/run.py. Three ways to look:

    .venv/bin/python bench/hotspots.py                     # microseconds per request
    .venv/bin/python bench/hotspots.py --instructions      # instructions per request
    .venv/bin/python bench/hotspots.py --profile answer    # cProfile of one step
    .venv/bin/python bench/hotspots.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Times move with whatever else the machine runs (the fastest batch of 100 is
shown beside the median). `--instructions` runs the same under valgrind's
callgrind and counts the CPU instructions of each step: the same count on a
busy machine as on an idle one, so a change can be judged on its own.
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import importlib
import os
import pstats
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench

# The machine is shared: the fastest batch is the closest to the cost itself.
BATCH = 100
STEPS = ("floor tiny", "floor insert", "floor page", "join", "waiting page", "wait")
STEPS += ("question page", "answer", "page after answer", "presenter wait")
STEPS += ("lesson guide", "presenter view")
# The answers the counted phones send in turn (the benchmark's question is a scale or a choice).
CHOICES = (1, 2, 3, 4, 5)
# The steps of one student's whole flow (as bench/run.py's FLOW), with the floor step of each.
FLOW = {
    "join": "page",
    "waiting page": "page",
    "wait": "tiny",
    "question page": "page",
    "answer": "insert",
    "page after answer": "page",
}
# Each step starts and stops callgrind's counting through these client requests.
CALLGRIND_HELPER = r"""
#include <valgrind/callgrind.h>
void bench_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void bench_stop(const char *name) { CALLGRIND_STOP_INSTRUMENTATION; CALLGRIND_DUMP_STATS_AT(name); }
"""


def main(argv: list[str] | None = None) -> None:
    """Measure every step in-process; profile one, or count instructions, when asked."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per step")
    parser.add_argument("--profile", choices=STEPS, help="print a cProfile of this step")
    parser.add_argument("--top", type=int, default=30, help="functions in the profile")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions under callgrind"
    )
    parser.add_argument(
        "--database-url",
        help="run the app and the floor's insert on this PostgreSQL database instead of SQLite "
        "(created if missing; its tables are dropped and recreated); times then include the "
        "round trips to the database server",
    )
    parser.add_argument("--callgrind-helper", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.instructions:
        count_instructions(argv if argv is not None else sys.argv[1:], args.requests)
        return
    helper = ctypes.CDLL(args.callgrind_helper) if args.callgrind_helper else None
    measure(args, helper)


def count_instructions(argv: list[str], requests: int) -> None:
    """Run this script under callgrind and print the instructions per request of each step."""
    for tool in ("valgrind", "gcc"):
        if shutil.which(tool) is None:
            raise SystemExit(f"--instructions needs {tool} (apt-get install -y valgrind gcc)")
    workdir = Path(tempfile.mkdtemp(prefix="klasgesprek-callgrind-"))
    source = workdir / "helper.c"
    source.write_text(CALLGRIND_HELPER)
    library = workdir / "helper.so"
    subprocess.run(  # noqa: S603 - fixed command line
        ["gcc", "-shared", "-fPIC", "-O1", "-o", str(library), str(source)],  # noqa: S607
        check=True,
    )
    inner = [arg for arg in argv if arg != "--instructions"]
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={workdir / 'callgrind.out'}",
        sys.executable,
        __file__,
        *inner,
        "--callgrind-helper",
        str(library),
    ]
    print(f"Counting under callgrind, {requests} requests per step (slow) ...", flush=True)
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(result.stdout + result.stderr)
    print(f"{'step':<18} {'instructions per request':>25}")
    counts = {}
    for dump in sorted(workdir.glob("callgrind.out.*"), key=lambda p: int(p.suffix[1:])):
        text = dump.read_text(errors="replace")
        name = re.search(r"^desc: Trigger: Client Request: (.*)$", text, re.MULTILINE)
        total = re.search(r"^totals: (\d+)", text, re.MULTILINE)
        if name and total:
            counts[name[1]] = int(total[1]) / requests
            print(f"{name[1]:<18} {counts[name[1]]:>25,.0f}")
    shutil.rmtree(workdir, ignore_errors=True)


def measure(args, helper) -> None:
    """Seed, then run every step of the flow `args.requests` times."""
    workdir = Path(tempfile.mkdtemp(prefix="klasgesprek-hotspots-"))
    secret = secrets.token_hex(32)
    app_url = f"sqlite:///{workdir / 'app.sqlite'}"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'floor.sqlite'}"
    if args.database_url:
        bench.ensure_postgres_database(args.database_url)
        app_url = os.environ["DATABASE_URL"] = args.database_url
    floor = importlib.import_module("floor")
    with floor.app.app_context():
        floor.db.drop_all()
        floor.db.create_all()
    info = bench.seed(app_url, secret, 60)

    from classroom import create_app

    os.environ["DATABASE_URL"] = app_url
    app = create_app({"SECRET_KEY": secret, "LESSONS_DIR": str(bench.ROOT / "lessons")})
    client = app.test_client(use_cookies=False)
    floor_client = floor.app.test_client(use_cookies=False)
    code, run_id, question_id = info["code"], info["run_id"], info["question_id"]
    n = args.requests
    headers = {"User-Agent": bench.USER_AGENT}

    teacher = app.test_client()
    page = teacher.get("/auth/login", headers=headers).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    login = {"email": bench.TEACHER_EMAIL, "password": bench.TEACHER_PASSWORD, "csrf_token": token}
    assert teacher.post("/auth/login", data=login, headers=headers).status_code == 302

    def cookie_of(response) -> str:
        found = re.search(r"session=([^;]*)", response.headers.get("Set-Cookie", ""))
        return found[1] if found else ""

    def with_cookie(cookie: str, **extra) -> dict:
        return {**headers, "Cookie": f"session={cookie}", **extra}

    cookies: list[str] = []
    students: list[tuple[str, str]] = []
    etag = {}

    def join(i: int):
        response = client.get(f"/j/{code}", headers=headers)
        cookies.append(cookie_of(response))
        return response

    def live_page(i: int):
        # The browser follows the redirect; the page may update the cookie.
        response = client.get(f"/live/{code}", headers=with_cookie(cookies[i]))
        cookies[i] = cookie_of(response) or cookies[i]
        return response

    def wait(i: int):
        return client.get(
            f"/live/{code}/state",
            headers=with_cookie(cookies[i % len(cookies)], **{"If-None-Match": etag["student"]}),
        )

    def question_page(i: int):
        response = live_page(i)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text)[1]
        students.append((cookies[i], csrf))
        return response

    def answer(i: int):
        cookie, csrf = students[i]
        response = client.post(
            f"/live/{code}/questions/{question_id}",
            data={"answer": str(CHOICES[i % len(CHOICES)]), "csrf_token": csrf},
            headers=with_cookie(cookie),
        )
        cookies[i] = cookie_of(response) or cookie
        return response

    def presenter_wait(i: int):
        return teacher.get(
            f"/runs/{run_id}/state", headers={**headers, "If-None-Match": etag["presenter"]}
        )

    # The floor's page reads a session cookie with its CSRF token, as a phone's would.
    floor_cookie = cookie_of(floor_client.get("/page"))

    steps = {
        "floor tiny": (lambda i: floor_client.get("/tiny"), 200),
        "floor insert": (lambda i: floor_client.post("/insert", data={"answer": "3"}), 200),
        "floor page": (lambda i: floor_client.get("/page", headers=with_cookie(floor_cookie)), 200),
        "join": (join, 302),
        "waiting page": (live_page, 200),
        "wait": (wait, 304),
        "question page": (question_page, 200),
        "answer": (answer, 303),
        "page after answer": (live_page, 200),
        "presenter wait": (presenter_wait, 304),
        "lesson guide": (lambda i: teacher.get(f"/lessons/{bench.MODULE}", headers=headers), 200),
        "presenter view": (lambda i: teacher.get(f"/runs/{run_id}/present", headers=headers), 200),
    }
    once = ("join", "waiting page", "question page", "answer", "page after answer")
    spare = SparePhone(client, code, question_id, headers)
    best_of: dict[str, float] = {}
    if helper is None:
        print(f"{'step':<18} {'best':>8} {'median':>8}  us per request, in batches of {BATCH}")
    for name, (call, expected) in steps.items():
        if name == "wait":
            etag["student"] = client.get(
                f"/live/{code}/state", headers=with_cookie(cookies[0])
            ).headers["ETag"]
        if name == "question page":
            detail = teacher.get(f"/runs/{run_id}", headers=headers).text
            csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', detail)[1]
            opened = teacher.post(
                f"/runs/{run_id}/questions/{question_id}/open",
                data={"csrf_token": csrf},
                headers=headers,
            )
            assert opened.status_code == 303, opened.status_code
        if name == "presenter wait":
            response = teacher.get(f"/runs/{run_id}/state", headers=headers)
            etag["presenter"] = response.headers["ETag"]
        if name not in once:
            call(0)  # warm caches, as a running server has them
        else:
            spare.warm(name)  # a phone outside the count: templates compiled, as in a server
        profiler = cProfile.Profile() if args.profile == name else None
        if profiler:
            profiler.enable()
        if helper:
            helper.bench_start()
        batches = []
        for first in range(0, n, BATCH):
            last = min(first + BATCH, n)
            start = time.perf_counter()
            for i in range(first, last):
                response = call(i)
                if response.status_code != expected:
                    raise SystemExit(f"{name}: status {response.status_code}, not {expected}")
            batches.append((time.perf_counter() - start) / (last - first))
        if helper:
            helper.bench_stop(name.encode())
        if profiler:
            profiler.disable()
        if helper is None:
            batches.sort()
            best, median = batches[0] * 1e6, batches[len(batches) // 2] * 1e6
            best_of[name] = best
            print(f"{name:<18} {best:>8.0f} {median:>8.0f}", flush=True)
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
    if best_of:
        flow = sum(best_of[name] for name in FLOW) * bench.FLOW_STUDENTS / 1e6
        bare = sum(best_of[f"floor {kind}"] for kind in FLOW.values()) * bench.FLOW_STUDENTS / 1e6
        print(
            f"Whole flow of {bench.FLOW_STUDENTS:,} students, one request at a time (best "
            f"batches): {flow:.1f} s, the floor's {bare:.1f} s ({flow / bare:.2f}x)"
        )
    if args.database_url:
        with floor.app.app_context():
            floor.db.drop_all()
            floor.db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)


class SparePhone:
    """One phone that takes each once-per-phone step first, outside the count.

    A server has compiled its templates and filled its caches long before the
    10,000th phone; without this the first of a few measured requests pays for that.
    """

    def __init__(self, client, code: str, question_id: int, headers: dict) -> None:
        self.client, self.code, self.question_id = client, code, question_id
        self.headers, self.cookie, self.csrf = headers, "", ""

    def _send(self, method: str, path: str, **kwargs):
        headers = {**self.headers, "Cookie": f"session={self.cookie}"}
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        found = re.search(r"session=([^;]*)", response.headers.get("Set-Cookie", ""))
        self.cookie = found[1] if found else self.cookie
        return response

    def warm(self, step: str) -> None:
        """Send this phone's request of the step (join, a page or the answer)."""
        if step == "join":
            self._send("GET", f"/j/{self.code}")
        elif step == "answer":
            self._answer(CHOICES[0])
        elif step == "page after answer":
            # The page after answering is rendered once per server for each choice made.
            for choice in CHOICES:
                self._answer(choice)
                self._page()
        else:
            self._page()

    def _answer(self, choice: int) -> None:
        data = {"answer": str(choice), "csrf_token": self.csrf}
        self._send("POST", f"/live/{self.code}/questions/{self.question_id}", data=data)

    def _page(self) -> None:
        page = self._send("GET", f"/live/{self.code}").text
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        self.csrf = found[1] if found else self.csrf


if __name__ == "__main__":
    main()
