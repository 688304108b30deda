"""Two app instances on one PostgreSQL: every answer counted once, the same results from either.

This is how a municipality scales out: several gunicorn processes (on one or
more machines) behind a reverse proxy, one database, one shared secret key.
The test starts two real gunicorn instances on free ports, lets phones join
on one and answer through both, at the same time, and checks that each phone
is counted once and that both instances report the same results.

It runs when TEST_DATABASE_URL points at PostgreSQL (the second pass of
.ci/run); on SQLite it is skipped. Rate limits shared through Redis
(RATELIMIT_STORAGE_URI) are not part of this test.

Every instance answers the waiting phones' state poll in front of Flask
(`StatePoll`); the tests at the end, which run on any database, hold that
shortcut to the same answers as the Flask view it stands in for.
"""

import csv
import http.client
import io
import os
import re
import secrets
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import DATABASE_URL, PASSWORD, PASSWORD_HASH, SAMPLE_LESSONS_DIR
from servers import server_env, start_gunicorn, stop_all
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from werkzeug.test import Client
from werkzeug.wrappers import Response

from classroom import create_app
from classroom.accounts.models import School, User
from classroom.coordination.models import SchoolClass
from classroom.extensions import db
from classroom.fastpath import StatePoll
from classroom.lessons.content import get_library
from classroom.polls import answers, services
from classroom.polls.models import Question, Run

needs_postgresql = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"),
    reason="needs PostgreSQL: run with TEST_DATABASE_URL=postgresql+psycopg://... (.ci/run does)",
)

PHONES = 30
START_TIMEOUT = 30  # seconds for an instance to answer its first request
REQUEST_TIMEOUT = 10
TEACHER_EMAIL = "docent@two-instances.test"

pytestmark = pytest.mark.server


def _send(base: str, method: str, path: str, cookie: str = "", form: dict | None = None):
    """One request without following redirects: (status, headers, body)."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
    try:
        headers = {"Cookie": f"session={cookie}"} if cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


class Browser:
    """A phone or a teacher's laptop: one session cookie, used against any instance."""

    def __init__(self) -> None:
        self.cookie = ""

    def request(self, base: str, method: str, path: str, form: dict | None = None):
        """Send a request with this browser's cookie and keep the cookie it gets back."""
        status, headers, body = _send(base, method, path, self.cookie, form)
        if found := re.search(r"session=([^;]*)", headers.get("Set-Cookie", "")):
            self.cookie = found[1]
        return status, headers, body

    def csrf_token(self, base: str, path: str) -> str:
        """Load a page and return the CSRF token of its forms."""
        status, _headers, body = self.request(base, "GET", path)
        assert status == 200, (path, status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)[1]


@pytest.fixture
def database_url():
    """A database of its own on the test server, dropped afterwards.

    The instances share it with this test only: another test run on the same
    server (or another engineer's) cannot drop its tables halfway.
    """
    url = make_url(DATABASE_URL)
    name = f"{url.database}_two_instances_{os.getpid()}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.fixture
def seeded(database_url):
    """A fresh schema with a teacher, a class and a run whose single-choice poll is open."""
    secret = secrets.token_hex(32)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": secret,
            "LESSONS_DIR": str(SAMPLE_LESSONS_DIR),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        school = School(name="Twee Instanties College", min_answers=5)
        teacher = User(
            school=school,
            email=TEACHER_EMAIL,
            name="Docent",
            role="teacher",
            password_hash=PASSWORD_HASH,
        )
        school_class = SchoolClass(
            school=school, name="3 HAVO B", level="havo", year=3, teachers=[teacher]
        )
        db.session.add_all([school, teacher, school_class])
        db.session.flush()
        run = services.start_run(get_library().get("sample"), school_class, teacher, "nl", PHONES)
        question = next(q for q in run.questions if q.type == "single")
        services.open_question(question)
        db.session.commit()
        info = {
            "database_url": database_url,
            "secret": secret,
            "run_id": run.id,
            "code": run.join_code,
            "question_id": question.id,
            "options": len(question.text("nl")["options"]),
        }
        db.session.remove()
    yield app, info
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def instances(seeded, tmp_path):
    """Two gunicorn instances on the same database and secret key; always stopped."""
    app, info = seeded
    env = server_env(
        DATABASE_URL=info["database_url"],
        FLASK_SECRET_KEY=info["secret"],
        FLASK_LESSONS_DIR=str(SAMPLE_LESSONS_DIR),
    )
    servers = []
    try:
        for number in range(2):
            log_path = tmp_path / f"instance-{number}.log"
            options = ("--timeout", "20", "--log-level", "warning")
            servers.append(start_gunicorn(env, log_path, workers=2, options=options))
        for server in servers:
            server.wait_until_up("/join", timeout=START_TIMEOUT)
        yield app, info, [server.base for server in servers]
    finally:
        stop_all(servers, timeout=10)


@needs_postgresql
def test_answers_through_two_instances_are_counted_once_with_the_same_results(instances):
    app, info, (first, second) = instances
    code, run_id, question_id = info["code"], info["run_id"], info["question_id"]
    phones = [Browser() for _ in range(PHONES)]
    tokens = []
    for number, phone in enumerate(phones):
        # Join on one instance, load the question (and its CSRF token) on the other.
        join_on, page_on = (first, second) if number % 2 else (second, first)
        status, _headers, _body = phone.request(join_on, "GET", f"/j/{code}")
        assert status == 302, status
        tokens.append(phone.csrf_token(page_on, f"/live/{code}"))
    choices = [number % info["options"] for number in range(PHONES)]

    def answer(job: tuple[int, str]) -> int:
        number, base = job
        form = {"answer": str(choices[number]), "csrf_token": tokens[number]}
        path = f"/live/{code}/questions/{question_id}"
        return _send(base, "POST", path, phones[number].cookie, form)[0]

    # Every phone sends its answer through both instances at once: a double submit.
    jobs = [(number, base) for number in range(PHONES) for base in (first, second)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(answer, jobs))
    assert statuses == [303] * len(jobs)

    with app.app_context():
        assert answers.count_answers(db.session.get(Question, question_id)) == PHONES
    # A waiting phone gets the same version from either instance (the poll before Flask).
    polls = [
        _send(base, "GET", f"/live/{code}/state", phones[0].cookie) for base in (first, second)
    ]
    assert [status for status, _headers, _body in polls] == [200, 200]
    assert polls[0][1]["ETag"] == polls[1][1]["ETag"]
    assert polls[0][2] == polls[1][2]

    teacher = Browser()
    login = {"email": TEACHER_EMAIL, "password": PASSWORD}
    login["csrf_token"] = teacher.csrf_token(first, "/auth/login")
    assert teacher.request(first, "POST", "/auth/login", login)[0] == 302
    states = [teacher.request(base, "GET", f"/runs/{run_id}/state") for base in (first, second)]
    assert [status for status, _headers, _body in states] == [200, 200]
    assert states[0][2] == states[1][2]
    assert f'"answers":{PHONES}' in states[0][2].replace(" ", "")

    # Reveal through the other instance; both export the same results.
    token = teacher.csrf_token(second, f"/runs/{run_id}")
    action = f"/runs/{run_id}/questions/{question_id}/reveal"
    assert teacher.request(second, "POST", action, {"csrf_token": token})[0] == 303
    exports = [
        teacher.request(base, "GET", f"/runs/{run_id}/summary.csv") for base in (first, second)
    ]
    assert [status for status, _headers, _body in exports] == [200, 200]
    assert exports[0][2] == exports[1][2]
    table = csv.DictReader(io.StringIO(exports[0][2]), delimiter=";")  # Dutch: semicolons
    rows = [row for row in table if row["aantal"]]
    counted = [int(row["aantal"]) for row in rows]
    assert counted == [choices.count(option) for option in range(info["options"])]
    assert {int(row["antwoorden"]) for row in rows} == {PHONES}


# The state poll in front of Flask gives what the Flask view gives.

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Cache-Control",
)


def _both_ways(app, path: str, cookie: str = "", **headers):
    """The response of the whole app and of Flask alone (without StatePoll) to one GET."""
    if cookie:
        headers["Cookie"] = f"session={cookie}"
    assert isinstance(app.wsgi_app, StatePoll)
    whole = app.test_client(use_cookies=False).get(path, headers=headers)
    flask_alone = Client(app.wsgi_app.wsgi_app, Response, use_cookies=False).get(
        path, headers=headers, base_url="http://klas.test"
    )
    return whole, flask_alone


def _joined_cookie(app, code: str) -> str:
    response = app.test_client(use_cookies=False).get(f"/j/{code}")
    return re.search(r"session=([^;]*)", response.headers["Set-Cookie"])[1]


def test_the_state_poll_answers_a_joined_phone_as_the_view_would(app, live_run):
    teacher, run_id, code, questions = live_run
    cookie = _joined_cookie(app, code)
    whole, flask_alone = _both_ways(app, f"/live/{code}/state", cookie)
    assert whole.status_code == flask_alone.status_code == 200
    assert whole.json == flask_alone.json
    assert whole.headers["ETag"] == flask_alone.headers["ETag"]
    for name in SECURITY_HEADERS:
        assert whole.headers[name] == flask_alone.headers[name], name
    assert "Set-Cookie" not in whole.headers
    etag = whole.headers["ETag"]
    whole, flask_alone = _both_ways(app, f"/live/{code}/state", cookie, **{"If-None-Match": etag})
    assert whole.status_code == flask_alone.status_code == 304
    assert whole.data == b""
    teacher.act(run_id, questions[0], "open")
    whole, flask_alone = _both_ways(app, f"/live/{code}/state", cookie, **{"If-None-Match": etag})
    assert whole.status_code == flask_alone.status_code == 200
    assert whole.json == flask_alone.json


def test_the_state_poll_leaves_every_refusal_to_flask(app, live_run, teacher):
    _teacher, run_id, code, _questions = live_run
    cookie = _joined_cookie(app, code)
    cases = [
        ("", code),  # never joined: to the join link
        (cookie[:-2] + "xx", code),  # a cookie that is not ours
        (cookie, "ZZZZZZ"),  # an unknown code
        (cookie, "o0-l1!"),  # not a code at all
    ]
    for sent, path_code in cases:
        whole, flask_alone = _both_ways(app, f"/live/{path_code}/state", sent)
        assert whole.status_code == flask_alone.status_code != 200, path_code
        assert whole.headers.get("Location") == flask_alone.headers.get("Location")
    other_run = teacher.start_run(teacher.class_id)
    with app.app_context():
        other_code = db.session.get(Run, other_run).join_code
    whole, _flask_alone = _both_ways(app, f"/live/{other_code}/state", cookie)
    assert whole.status_code == 302  # joined another run, not this one
    teacher.client.post(f"/runs/{run_id}/end")
    whole, flask_alone = _both_ways(app, f"/live/{code}/state", cookie)
    assert whole.status_code == flask_alone.status_code == 410
