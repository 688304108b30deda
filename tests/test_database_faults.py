"""Every database fault is a 503 that the phone rides out, never a 500 (issue 27).

Each fault is made at the driver, with the driver's own error: a database that
cannot be reached (SQLite cannot open its file, PostgreSQL's port refuses), a
full SQLite file (`PRAGMA max_page_count`: SQLITE_FULL), a read-only database
(SQLite's `query_only`, PostgreSQL's `default_transaction_read_only`) and a
write lock that another connection holds. While it lasts an answer gets a 503
with Retry-After whose page says it was not saved yet, and nothing is stored;
once it is over the next request is served. A wrong statement stays a 500.

SQLite runs on a file (the in-memory database has no second connection); with
TEST_DATABASE_URL set to PostgreSQL the same tests run there, where a
connection the server closed costs no request either.
"""

import contextlib
import re
import sqlite3
import time
import uuid

import psycopg
import pytest
from conftest import DATABASE_URL, make_test_app
from servers import free_port
from sqlalchemy import event, insert, text
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from classroom import errors, extensions
from classroom.errors import is_unavailable
from classroom.extensions import db
from classroom.polls.models import Response

ON_POSTGRES = DATABASE_URL.startswith("postgresql")
only_sqlite = pytest.mark.skipif(ON_POSTGRES, reason="a fault of SQLite's file")
only_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="a fault of PostgreSQL's server")
SINGLE = 1  # the sample module's single-choice question
NOT_SAVED = "Your answer was not saved yet."


@pytest.fixture
def database_file(tmp_path):
    return tmp_path / "faults.sqlite"


@pytest.fixture
def app(lessons_dir, database_file):
    """The app on a database file (or PostgreSQL), errors shown as the pages users see."""
    url = DATABASE_URL if ON_POSTGRES else f"sqlite:///{database_file}"
    app = make_test_app(
        LESSONS_DIR=str(lessons_dir), SQLALCHEMY_DATABASE_URI=url, PROPAGATE_EXCEPTIONS=False
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    extensions._WriteLockWatch.stuck = False
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def lesson(app, live_run, student):
    """The single-choice question open, a phone joined in English: (teacher, run_id, code,
    question id, phone)."""
    teacher, run_id, code, questions = live_run
    assert teacher.act(run_id, questions[SINGLE], "open").status_code == 303
    phone = student()
    assert phone.join(code).status_code == 302
    phone.client.post("/language", data={"language": "en", "next": "/"})
    assert phone.page(code).status_code == 200
    assert phone.client.get(f"/live/{code}/state").status_code == 200
    return teacher, run_id, code, questions[SINGLE], phone


def engine_of(app):
    with app.app_context():
        return db.engine


def stored(app) -> list[tuple]:
    """Every stored answer, in a fixed order."""
    with app.app_context():
        rows = db.session.execute(
            db.select(Response.question_id, Response.pseudonym, Response.value).order_by(
                Response.question_id, Response.pseudonym
            )
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def drop_connections(app) -> None:
    """Every connection the app holds ends: SQLite's pool is emptied; PostgreSQL's server
    ends them, as a restart does (the app finds out when it next uses one)."""
    engine = engine_of(app)
    if not ON_POSTGRES:
        engine.dispose()
        return
    with contextlib.closing(psycopg.connect(_conninfo(), autocommit=True)) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    time.sleep(0.2)  # the server's goodbye reaches the sockets


def _conninfo() -> str:
    return DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")


@contextlib.contextmanager
def database_down(app):
    """The database cannot be reached: new connections fail at the driver, with its own
    error (SQLite cannot open the file, PostgreSQL's port refuses), held ones end."""
    engine = engine_of(app)
    closed_port = free_port()

    def unreachable(_dialect, _record, cargs, cparams):
        if ON_POSTGRES:
            cparams["port"] = closed_port
        else:
            cargs[0] = "/no-such-folder/klasgesprek.sqlite"

    event.listen(engine, "do_connect", unreachable)
    drop_connections(app)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", unreachable)


@contextlib.contextmanager
def connections_made(app, statement: str):
    """Every new connection runs `statement` first; the held ones end, before and after."""
    engine = engine_of(app)

    def prepare(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        if ON_POSTGRES:
            dbapi_connection.commit()

    event.listen(engine, "connect", prepare)
    drop_connections(app)
    try:
        yield
    finally:
        event.remove(engine, "connect", prepare)
        drop_connections(app)


def read_only(app):
    """The database takes no writes: a read-only SQLite connection, a PostgreSQL that
    makes every transaction read-only (a standby after a failover answers the same)."""
    if ON_POSTGRES:
        return connections_made(app, "SET default_transaction_read_only = on")
    return connections_made(app, "PRAGMA query_only = ON")


def assert_503(response, return_to: str | None = None) -> None:
    """A 503 with Retry-After, no cache, and the page (or JSON) that brings the browser back."""
    assert response.status_code == 503, response.text[:500]
    assert response.headers["Retry-After"] == "2"
    assert response.headers["Cache-Control"] == "no-store"
    if return_to is not None:
        link = re.search(r'data-return-to="([^"]*)" data-retry-after="(\d+)"', response.text)
        assert link is not None, response.text
        assert link[1] == return_to
        assert link[2] == "2"


def test_a_lost_database_is_a_503_the_phone_rides_out(app, lesson, caplog, monkeypatch):
    teacher, run_id, code, question_id, phone = lesson
    before = stored(app)
    monkeypatch.setattr(errors._UnavailableLog, "logged_at", -errors.UNAVAILABLE_LOG_SECONDS)
    answer_path = f"/live/{code}/questions/{question_id}"
    with database_down(app):
        refused = phone.answer(code, question_id, "1")
        assert_503(refused)
        assert NOT_SAVED in refused.text
        assert "data-retry-once" in refused.text  # sent again once, by app.js
        assert "data-return-to" not in refused.text
        again = phone.client.post(answer_path, data={"answer": "1", "retried": "1"})
        assert_503(again, return_to=f"/live/{code}")
        assert NOT_SAVED in again.text
        assert "data-retry-once" not in again.text
        assert_503(phone.page(code), return_to=f"/live/{code}")
        as_json = phone.client.get(f"/live/{code}", headers={"Accept": "application/json"})
        assert_503(as_json)
        assert as_json.json == {"error": "It is very busy right now. Try again in a moment."}
        poll = phone.client.get(f"/live/{code}/state")
        if not ON_POSTGRES:  # PostgreSQL's state polls may answer from what they kept
            assert_503(poll)
        assert poll.status_code in (200, 304, 503)
        # The teacher: a page comes back by itself; a form sent is not sent again.
        assert_503(teacher.client.get(f"/runs/{run_id}/present"), f"/runs/{run_id}/present")
        closing = teacher.act(run_id, question_id, "close")
        assert_503(closing)
        assert "data-return-to" not in closing.text
        assert_503(teacher.client.get("/"), return_to="/")
    assert stored(app) == before
    # Said once in the log, without the path (the join code) or the form.
    logged = [r.getMessage() for r in caplog.records if "Database unavailable" in r.getMessage()]
    assert len(logged) == 1, logged
    assert code not in caplog.text
    assert phone.answer(code, question_id, "1").status_code == 303
    assert phone.page(code).status_code == 200
    assert phone.client.get(f"/live/{code}/state").status_code == 200
    assert len(stored(app)) == len(before) + 1


def test_a_read_only_database_refuses_answers_with_a_503_and_serves_the_pages(app, lesson):
    teacher, run_id, code, question_id, phone = lesson
    before = stored(app)
    with read_only(app):
        refused = phone.answer(code, question_id, "1")
        assert_503(refused)
        assert NOT_SAVED in refused.text
        assert phone.page(code).status_code == 200
        assert phone.client.get(f"/live/{code}/state").status_code in (200, 304)
        assert teacher.client.get(f"/runs/{run_id}/present").status_code == 200
        assert stored(app) == before
    assert phone.answer(code, question_id, "1").status_code == 303
    assert len(stored(app)) == len(before) + 1


@only_sqlite
def test_a_full_sqlite_file_refuses_answers_with_a_503(app, lesson, database_file):
    """SQLITE_FULL for real: the file may not grow, and the answers' table has no room.

    While the response table (and its index) is still one page, filling that page
    leaves no room for any answer, whatever its random key.
    """
    _teacher, _run_id, code, question_id, phone = lesson
    assert stored(app) == []
    with sqlite3.connect(database_file) as connection:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
    with connections_made(app, f"PRAGMA max_page_count = {pages}"), app.app_context():
        with pytest.raises(OperationalError, match="full"):
            for _ in range(1000):  # other phones' answers, to another question, fill it
                values = {"question_id": question_id - 1, "pseudonym": uuid.uuid4().hex}
                db.session.execute(insert(Response).values(id=uuid.uuid4(), **values))
                db.session.commit()
        db.session.rollback()
        db.session.remove()
        before = stored(app)
        refused = phone.answer(code, question_id, "1")
        assert_503(refused)
        assert NOT_SAVED in refused.text
        assert phone.page(code).status_code == 200
        assert phone.client.get(f"/live/{code}/state").status_code == 200
        assert stored(app) == before
    assert phone.answer(code, question_id, "1").status_code == 303
    assert len(stored(app)) == len(before) + 1


@only_sqlite
def test_a_held_write_lock_stalls_no_read_and_refuses_answers_quickly(app, lesson, database_file):
    teacher, run_id, code, question_id, phone = lesson
    teacher.client.get(f"/runs/{run_id}/present")  # its templates are compiled
    holder = sqlite3.connect(database_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        for path, client in (
            (f"/live/{code}/state", phone.client),
            (f"/live/{code}", phone.client),
            (f"/runs/{run_id}/present", teacher.client),
            (f"/runs/{run_id}/state", teacher.client),
        ):
            started = time.monotonic()
            assert client.get(path).status_code == 200, path
            assert time.monotonic() - started < 0.5, path
        for patience in (2.5, 0.5):  # the first waits its turn; then the lock is stuck
            started = time.monotonic()
            refused = phone.answer(code, question_id, "1")
            assert time.monotonic() - started < patience
            assert_503(refused)
            assert NOT_SAVED in refused.text
        assert extensions._WriteLockWatch.stuck
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert phone.answer(code, question_id, "1").status_code == 303
    assert not extensions._WriteLockWatch.stuck  # a write went through: wait again
    assert len(stored(app)) == 1


@only_postgres
def test_connections_the_server_closed_cost_no_request(app, lesson):
    """A restarted PostgreSQL ends every connection in the pool: none reaches a request."""
    teacher, run_id, code, question_id, phone = lesson
    for _ in range(2):
        drop_connections(app)
        assert phone.page(code).status_code == 200
        drop_connections(app)
        assert phone.client.get(f"/live/{code}/state").status_code in (200, 304)
        drop_connections(app)
        assert teacher.client.get(f"/runs/{run_id}/present").status_code == 200
    drop_connections(app)
    assert phone.answer(code, question_id, "1").status_code == 303
    assert len(stored(app)) == 1


def test_a_rollback_that_fails_too_keeps_the_503(app, lesson, monkeypatch):
    _teacher, _run_id, code, question_id, phone = lesson

    def rollback_fails():
        raise OperationalError("ROLLBACK", {}, sqlite3.OperationalError("disk I/O error"))

    with database_down(app):
        monkeypatch.setattr(db.session, "rollback", rollback_fails)
        refused = phone.answer(code, question_id, "1")
        monkeypatch.undo()
    assert_503(refused)
    assert NOT_SAVED in refused.text
    assert phone.answer(code, question_id, "1").status_code == 303


def test_the_state_polls_in_front_of_flask_answer_503_when_the_database_is_unreachable(
    app, lesson, database_file
):
    teacher, run_id, code, _question_id, phone = lesson
    unreachable = (
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/klasgesprek"
        if ON_POSTGRES
        else f"sqlite:///{database_file.parent}/no-such-folder/klasgesprek.sqlite"
    )
    # The same app on a database it cannot reach: the same key reads the same cookies.
    cut_off = make_test_app(
        LESSONS_DIR=app.config["LESSONS_DIR"], SQLALCHEMY_DATABASE_URI=unreachable
    )
    client = cut_off.test_client(use_cookies=False)
    for who, path in ((phone, f"/live/{code}/state"), (teacher, f"/runs/{run_id}/state")):
        cookie = who.client.get_cookie("session", domain="klas.test").value
        headers = {"Cookie": f"session={cookie}", "If-None-Match": '"1"'}
        response = client.get(path, headers=headers)
        assert_503(response)
        assert response.json == {"error": "unavailable"}
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Set-Cookie" not in response.headers
    with cut_off.app_context():
        db.engine.dispose()
    assert phone.client.get(f"/live/{code}/state").status_code == 200


def test_a_wrong_statement_stays_a_500(app, lesson, monkeypatch):
    _teacher, _run_id, code, question_id, phone = lesson
    from classroom.polls import answers

    def wrong_column(*_args, **_kwargs):
        db.session.execute(text("SELECT no_such_column FROM run"))

    monkeypatch.setattr(answers, "store_answer", wrong_column)
    response = phone.answer(code, question_id, "1")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_only_faults_of_the_moment_count_as_unavailable(database_file):
    """The classification itself, on errors the drivers really raise."""
    memory = sqlite3.connect(":memory:")
    memory.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    memory.execute("INSERT INTO t VALUES (1)")
    wrong = []
    for statement in ("SELECT nothing FROM t", "SELECT * FROM nowhere", "INSERT INTO t VALUES (1)"):
        with pytest.raises(sqlite3.Error) as raised:
            memory.execute(statement)
        wrong.append(raised.value)
    with pytest.raises(sqlite3.OperationalError) as cannot_open:
        sqlite3.connect("/no-such-folder/klasgesprek.sqlite")
    locked_file = sqlite3.connect(database_file, timeout=0, isolation_level=None)
    locked_file.execute("CREATE TABLE t (id INTEGER)")
    holder = sqlite3.connect(database_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as locked:
        locked_file.execute("INSERT INTO t VALUES (1)")
    holder.execute("ROLLBACK")
    locked_file.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.OperationalError) as readonly:
        locked_file.execute("INSERT INTO t VALUES (1)")
    faults = [cannot_open.value, locked.value, readonly.value]
    faults += [PoolTimeoutError("no connection free"), DisconnectionError("gone")]
    faults += [OperationalError("SELECT 1", {}, error) for error in faults[:3]]
    assert all(is_unavailable(error) for error in faults), faults
    wrong += [IntegrityError("INSERT", {}, wrong[2]), OperationalError("SELECT", {}, wrong[0])]
    wrong += [ValueError("not a database error")]
    assert not any(is_unavailable(error) for error in wrong), wrong


@only_postgres
def test_only_faults_of_the_moment_count_as_unavailable_on_postgresql():
    def error_of(connection, *statements) -> psycopg.Error:
        with pytest.raises(psycopg.Error) as raised:
            for statement in statements:
                connection.execute(statement)
        connection.rollback()
        return raised.value

    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/none", connect_timeout=5)
    faults = [refused.value]
    with (
        contextlib.closing(psycopg.connect(_conninfo())) as connection,
        contextlib.closing(psycopg.connect(_conninfo())) as holder,
    ):
        holder.execute("SELECT pg_advisory_lock(27027)")
        faults += [
            error_of(connection, "SET lock_timeout = '50ms'", "SELECT pg_advisory_lock(27027)"),
            error_of(connection, "SET statement_timeout = '10ms'", "SELECT pg_sleep(1)"),
            error_of(connection, "SET TRANSACTION READ ONLY", "CREATE TABLE t (id int)"),
        ]
        wrong = [
            error_of(connection, "SELECT no_such_column FROM pg_class"),
            error_of(connection, "SELECT 1/0"),
        ]
    assert all(is_unavailable(error) for error in faults), faults
    assert all(is_unavailable(OperationalError("SELECT", {}, error)) for error in faults)
    assert not any(is_unavailable(error) for error in wrong), wrong
