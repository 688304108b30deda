"""The state polls keep what they read only while it is true (`classroom.state_cache`).

On PostgreSQL each worker keeps the run and account rows its state polls read and
forgets them when a notification (sent in the transaction of the change) says they
changed; on SQLite the polls read every time. Either way a change made through one
instance reaches a phone or projector polling another instance at once, and a run
ended or an account switched off elsewhere is never answered from a kept row.
The tests run on both databases (two apps on one SQLite file, or on the test
PostgreSQL); those that need notifications, a listener or a second process are
PostgreSQL's (the second pass of .ci/run).
"""

import http.client
import re
import time
import urllib.parse

import psycopg
import pytest
import sqlalchemy
from conftest import (
    DATABASE_URL,
    SAMPLE_LESSONS_DIR,
    app_with_schema,
    make_test_app,
    shared_database_url,
)
from servers import server_env, start_gunicorn, stop_all

from classroom import state_cache
from classroom.accounts.models import User
from classroom.extensions import db
from classroom.fastpath import StatePoll
from classroom.polls.models import Run

ON_POSTGRESQL = DATABASE_URL.startswith("postgresql")
needs_postgresql = pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="notifications are PostgreSQL's: run with TEST_DATABASE_URL=postgresql+psycopg://...",
)
# What docs/performance.md promises: a change reaches every other worker and instance within this.
PROMISED_SECONDS = 1.0


@pytest.fixture
def app(lessons_dir, tmp_path):
    """The test app on a database a second app can share: the test PostgreSQL, or a file."""
    url = shared_database_url(tmp_path / "shared.sqlite")
    with app_with_schema(LESSONS_DIR=str(lessons_dir), SQLALCHEMY_DATABASE_URI=url) as app:
        yield app


@pytest.fixture
def other(app):
    """A second instance of the app on the same database (its own workers' memory)."""
    other = make_test_app(
        LESSONS_DIR=app.config["LESSONS_DIR"],
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _joined_cookie(app, code: str) -> str:
    response = app.test_client(use_cookies=False).get(f"/j/{code}")
    return re.search(r"session=([^;]*)", response.headers["Set-Cookie"])[1]


def _poll(app, path: str, cookie: str, etag: str = ""):
    headers = {"Cookie": f"session={cookie}"}
    if etag:
        headers["If-None-Match"] = etag
    return app.test_client(use_cookies=False).get(path, headers=headers)


def _cache_of(app):
    assert isinstance(app.wsgi_app, StatePoll)
    return app.wsgi_app._cache


def _until(condition, seconds: float = PROMISED_SECONDS):
    """Ask until the condition holds or the time is up; return its last answer."""
    deadline = time.monotonic() + seconds
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return result


def _wait_until_heard(app) -> None:
    cache = _cache_of(app)
    if cache is not None:
        assert _until(lambda: cache.live, 10), "the listener did not hear its heartbeat"


def test_a_change_through_one_instance_reaches_the_others_phone_poll(app, other, live_run):
    teacher, run_id, code, questions = live_run
    cookie = _joined_cookie(app, code)
    path = f"/live/{code}/state"
    first = _poll(other, path, cookie)
    assert first.status_code == 200
    _wait_until_heard(other)
    etag = _poll(other, path, cookie).headers["ETag"]
    assert _poll(other, path, cookie, etag).status_code == 304
    page = _poll(other, f"/live/{code}", cookie)
    assert page.status_code == 200
    assert 'name="answer"' not in page.text  # waiting: no question open
    if ON_POSTGRESQL:  # answered from memory
        assert _cache_of(other).get(("run", code)) is not None
        assert _cache_of(other).get(("live", code)) is not None
    else:
        assert _cache_of(other) is None  # SQLite: read each time, in the process
    assert teacher.act(run_id, questions[0], "open").status_code == 303  # through `app`
    changed = _poll(other, path, cookie, etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.json == _poll(app, path, cookie).json
    page = _poll(other, f"/live/{code}", cookie)
    assert page.status_code == 200
    assert 'name="answer"' in page.text  # the question the poll announced


def test_a_run_ended_elsewhere_is_not_answered_from_a_kept_row(app, other, live_run):
    teacher, run_id, code, _questions = live_run
    cookie = _joined_cookie(app, code)
    path = f"/live/{code}/state"
    _poll(other, path, cookie)
    _wait_until_heard(other)
    etag = _poll(other, path, cookie).headers["ETag"]
    assert _poll(other, path, cookie, etag).status_code == 304
    assert teacher.client.post(f"/runs/{run_id}/end").status_code in (302, 303)
    assert _poll(other, path, cookie, etag).status_code == 410  # Flask's page, not a 304


def test_an_account_switched_off_elsewhere_loses_the_projectors_poll(app, other, live_run):
    teacher, run_id, _code, _questions = live_run
    path = f"/runs/{run_id}/state"
    cookie = teacher.client.get_cookie("session", domain="klas.test").value
    user_agent = app.test_client().environ_base["HTTP_USER_AGENT"]

    def poll(etag=""):
        headers = {"Cookie": f"session={cookie}", "User-Agent": user_agent}
        if etag:
            headers["If-None-Match"] = etag
        return other.test_client(use_cookies=False).get(path, headers=headers)

    etag = poll().headers["ETag"]
    poll(etag)  # the fast path reads the account and the run once
    _wait_until_heard(other)
    assert poll(etag).status_code == 304
    assert poll(etag).status_code == 304
    with app.app_context():
        db.session.get(User, teacher.user["id"]).active = False
        db.session.commit()
    refused = poll(etag)
    assert refused.status_code == 302
    assert "/auth/login" in refused.headers["Location"]


def test_a_row_read_before_a_change_is_not_kept():
    """A notification between the read and keeping it voids the ticket; so does a lost listener."""
    cache = state_cache.StateCache()
    cache.reset(live=True)
    tags = [state_cache.run_tag(7)]
    ticket = cache.ticket()
    cache.forget([state_cache.run_tag(8)])  # any change meanwhile: the old row may be stale
    cache.keep("row", (7, 1), ticket, tags)
    assert cache.get("row") is None
    ticket = cache.ticket()
    cache.keep("row", (7, 2), ticket, tags)
    assert cache.get("row") == (7, 2)
    cache.forget([state_cache.account_tag(7)])  # another account: the row stays
    assert cache.get("row") == (7, 2)
    cache.forget(tags)
    assert cache.get("row") is None
    ticket = cache.ticket()
    cache.reset(live=False)  # the listener lost its connection
    assert cache.ticket() is None
    cache.keep("row", (7, 3), ticket, tags)
    cache.reset(live=True)
    assert cache.get("row") is None


@needs_postgresql
def test_a_change_is_announced_with_its_commit_and_never_on_rollback(app, live_run):
    _teacher, run_id, _code, _questions = live_run
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f"LISTEN {state_cache.CHANNEL}")

        def heard() -> list[str]:
            """Every run and account named since the last call (heartbeats left out)."""
            notes = connection.notifies(timeout=0.5)
            payloads = [n.payload for n in notes if not n.payload.startswith("ping ")]
            return sorted(tag for payload in payloads for tag in payload.split())

        with app.app_context():
            run = db.session.get(Run, run_id)
            teacher_id = run.teacher_id
            run.touch()
            db.session.flush()
            assert heard() == []  # written, not committed: nothing yet
            db.session.commit()
            assert heard() == [f"r{run_id}"]
            db.session.get(Run, run_id).touch()
            db.session.flush()
            db.session.rollback()
            assert heard() == []
            db.session.get(Run, run_id).support_shown = True  # any change of the run
            db.session.get(User, teacher_id).session_token = "another-token"
            db.session.commit()
            assert heard() == [f"r{run_id}", f"u{teacher_id}"]
            db.session.get(User, teacher_id).name = "A new name"  # not the account's access
            db.session.commit()
            assert heard() == []
            db.session.delete(db.session.get(Run, run_id))  # gone: its rows go too
            db.session.commit()
            assert heard() == [f"r{run_id}"]


@needs_postgresql
def test_a_listener_that_loses_its_connection_trusts_nothing_until_it_hears_again(app, live_run):
    _teacher, run_id, code, _questions = live_run
    cookie = _joined_cookie(app, code)
    path = f"/live/{code}/state"
    _poll(app, path, cookie)
    cache = _cache_of(app)
    _wait_until_heard(app)
    etag = _poll(app, path, cookie).headers["ETag"]
    assert cache.get(("run", code)) is not None
    with app.app_context():
        ended = db.session.execute(
            sqlalchemy.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'klasgesprek-state-listener' "
                "AND datname = current_database()"
            )
        ).all()
        db.session.rollback()
    assert ended, "no listener found"
    assert _until(lambda: not cache.live, 5), "the listener did not notice"
    assert cache.get(("run", code)) is None
    # A change nobody announces (as while the listener is away): the poll reads it.
    with app.app_context():
        db.session.execute(
            sqlalchemy.text("UPDATE run SET version = version + 1 WHERE id = :id"),
            {"id": run_id},
        )
        db.session.commit()
    assert _poll(app, path, cookie, etag).status_code == 200
    assert _until(lambda: cache.live, 10), "the listener did not listen again"
    assert _poll(app, path, cookie, etag).status_code == 200


@needs_postgresql
@pytest.mark.server
def test_a_gunicorn_instance_follows_changes_made_elsewhere_at_once(app, live_run, tmp_path):
    """Two workers of another process: they learn of changes only from the notifications."""
    teacher, run_id, code, questions = live_run
    cookie = _joined_cookie(app, code)
    env = server_env(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        FLASK_SECRET_KEY=app.config["SECRET_KEY"],
        FLASK_LESSONS_DIR=str(SAMPLE_LESSONS_DIR),
    )
    server = start_gunicorn(env, tmp_path / "instance.log", workers=2)
    try:
        server.wait_until_up("/join")
        path = f"/live/{code}/state"
        session = _HttpPoller(server.base, path, cookie)
        etag = session.get()[1]
        assert {session.get(etag)[0] for _ in range(20)} == {304}
        time.sleep(1)  # both workers heard their first heartbeat: they answer from memory
        assert {session.get(etag)[0] for _ in range(20)} == {304}
        assert teacher.act(run_id, questions[0], "open").status_code == 303
        started = time.monotonic()
        seen = _until(lambda: session.get(etag)[0] == 200)
        assert seen, f"not seen within {PROMISED_SECONDS} s"
        latency = time.monotonic() - started
        assert {session.get(etag)[0] for _ in range(20)} == {200}, "a worker still had the row"
        etag = session.get()[1]
        assert teacher.client.post(f"/runs/{run_id}/end").status_code in (302, 303)
        assert _until(lambda: session.get(etag)[0] == 410)
        assert {session.get(etag)[0] for _ in range(20)} == {410}
        assert latency < PROMISED_SECONDS
    finally:
        stop_all([server], timeout=10)


class _HttpPoller:
    """A phone polling one instance over HTTP, a new connection each time (any worker)."""

    def __init__(self, base: str, path: str, cookie: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port, self.path, self.cookie = parts.hostname, parts.port, path, cookie

    def get(self, etag: str = "") -> tuple[int, str]:
        """(status, ETag) of one poll."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            headers = {"Cookie": f"session={self.cookie}"}
            if etag:
                headers["If-None-Match"] = etag
            connection.request("GET", self.path, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, response.getheader("ETag", "")
        finally:
            connection.close()
