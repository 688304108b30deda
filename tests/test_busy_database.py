"""A database that is busy: a write lock held too long, and two browsers at once.

These tests need a database that several connections share: a SQLite file
(or the PostgreSQL database of TEST_DATABASE_URL), not the in-memory one.
"""

import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import DATABASE_URL, Staff, app_with_schema, shared_database_url

from classroom import extensions
from classroom.accounts.models import User
from classroom.extensions import db
from classroom.polls.models import Response

ON_POSTGRES = DATABASE_URL.startswith("postgresql")
SINGLE = 1


@pytest.fixture
def database_file(tmp_path):
    return tmp_path / "busy.sqlite"


@pytest.fixture
def app(lessons_dir, database_file, monkeypatch):
    """The app on a database file, with a short SQLite busy timeout."""
    monkeypatch.setattr(extensions, "SQLITE_BUSY_TIMEOUT_MS", 200, raising=False)
    url = shared_database_url(database_file)
    with app_with_schema(LESSONS_DIR=str(lessons_dir), SQLALCHEMY_DATABASE_URI=url) as app:
        yield app


def answers_of(app, question_id):
    with app.app_context():
        return db.session.scalars(
            db.select(Response.value).where(Response.question_id == question_id)
        ).all()


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock")
def test_a_write_lock_held_too_long_is_a_503_that_the_phone_retries_once(
    app, live_run, student, database_file
):
    teacher, run_id, code, questions = live_run
    phone = student()
    phone.join(code)
    teacher.act(run_id, questions[SINGLE], "open")
    holder = sqlite3.connect(database_file)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        refused = phone.answer(code, questions[SINGLE], "1")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "2"
        assert "data-retry-once" in refused.text
        assert 'name="retried" value="1"' in refused.text
        again = phone.client.post(
            f"/live/{code}/questions/{questions[SINGLE]}", data={"answer": "1", "retried": "1"}
        )
        assert again.status_code == 503
        assert "data-retry-once" not in again.text  # once, not for ever
    finally:
        holder.rollback()
        holder.close()
    assert answers_of(app, questions[SINGLE]) == []
    retried = phone.client.post(
        f"/live/{code}/questions/{questions[SINGLE]}", data={"answer": "1", "retried": "1"}
    )
    assert retried.status_code == 303
    assert answers_of(app, questions[SINGLE]) == [1]


def test_one_invitation_accepted_from_two_browsers_at_once_gives_one_account(
    app, make_user, monkeypatch
):
    from classroom.accounts import services

    coordinator = make_user("coordinator")
    client = app.test_client()
    assert Staff(client, coordinator).login().status_code == 302
    invited = client.post(
        "/school/teachers/invite", data={"name": "Twee Keer", "email": "twee@voorbeeldschool.nl"}
    )
    assert invited.status_code == 201
    path = re.search(r'value="http://klas.test(/auth/invite/[^"]+)"', invited.text)[1]
    both_checked = threading.Barrier(2, timeout=10)
    real = services.password_problem

    def at_the_same_moment(password, email=None):
        both_checked.wait()  # both browsers got this far before either wrote
        return real(password, email)

    monkeypatch.setattr(services, "password_problem", at_the_same_moment)
    data = {"password": "een lang wachtwoord", "confirm": "een lang wachtwoord"}

    def accept(_index):
        return app.test_client().post(path, data=data).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(accept, range(2)))
    assert 500 not in statuses
    assert statuses[0] == 303 and statuses[1] in (409, 410, 503)
    with app.app_context():
        emails = db.session.scalars(db.select(User.email)).all()
        assert emails.count("twee@voorbeeldschool.nl") == 1
