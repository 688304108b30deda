"""Fixtures: one app per test, factories for staff and classes, helpers for students."""

import contextlib
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import event
from werkzeug.security import generate_password_hash

from classroom import create_app
from classroom.accounts.models import School, User
from classroom.coordination.models import SchoolClass
from classroom.extensions import db

REAL_LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
SAMPLE_LESSONS_DIR = Path(__file__).resolve().parent / "fixtures" / "lessons"
DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
PASSWORD = "correct horse battery"
# scrypt is slow on purpose (about 160 ms a login); the tests hash with one cheap round.
CHEAP_HASH_METHOD = "pbkdf2:sha256:1"
PASSWORD_HASH = generate_password_hash(PASSWORD, method=CHEAP_HASH_METHOD)


def make_test_app(**config):
    """Create an app on the test database with a fresh schema."""
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "WTF_CSRF_ENABLED": False,
        "LESSONS_DIR": str(SAMPLE_LESSONS_DIR),
        "SERVER_NAME": "klas.test",
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
        # The test OpenID provider and issuers run on 127.0.0.1 (README, School sign-on).
        "SIGNON_ALLOW_PRIVATE_ISSUERS": True,
    }
    settings.update(config)
    return create_app(settings)


@contextlib.contextmanager
def app_with_schema(**config):
    """An app on a fresh schema of its database, dropped again afterwards."""
    app = make_test_app(**config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def shared_database_url(path: Path) -> str:
    """A database several connections share: the test PostgreSQL, or a SQLite file at `path`."""
    return DATABASE_URL if DATABASE_URL.startswith("postgresql") else f"sqlite:///{path}"


@pytest.fixture
def lessons_dir():
    """The sample module with one poll of every type; test modules may override this."""
    return SAMPLE_LESSONS_DIR


@pytest.fixture
def app(lessons_dir):
    with app_with_schema(LESSONS_DIR=str(lessons_dir)) as app:
        yield app


@pytest.fixture
def issuer():
    """A sign-on issuer on 127.0.0.1 that serves a discovery document and records its requests."""
    from signon_servers import IssuerServer

    server = IssuerServer()
    yield server
    server.stop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_school(app):
    def make(name="Testschool", min_answers=5):
        with app.app_context():
            school = School(name=name, min_answers=min_answers)
            db.session.add(school)
            db.session.commit()
            return school.id

    return make


@pytest.fixture
def make_user(app, make_school):
    counter = iter(range(1, 10_000))

    def make(role="teacher", school_id=None, email=None):
        with app.app_context():
            school_id = school_id or make_school(f"School {next(counter)}")
            user = User(
                school_id=school_id,
                email=email or f"{role}{next(counter)}@school.test",
                name=f"Test {role}",
                role=role,
                password_hash=PASSWORD_HASH,
            )
            db.session.add(user)
            db.session.commit()
            return {"id": user.id, "email": user.email, "school_id": school_id}

    return make


@pytest.fixture
def make_class(app):
    def make(school_id, teacher_ids=(), name="3 HAVO B", archived=False, level="havo", year=3):
        with app.app_context():
            school_class = SchoolClass(school_id=school_id, name=name, level=level, year=year)
            school_class.teachers = [db.session.get(User, i) for i in teacher_ids]
            if archived:
                from classroom.timeutil import now_utc

                school_class.archived_at = now_utc()
            db.session.add(school_class)
            db.session.commit()
            return school_class.id

    return make


class Staff:
    """A logged-in staff member driving the app through a test client."""

    def __init__(self, client, user):
        self.client = client
        self.user = user

    def login(self, password=PASSWORD):
        return self.client.post(
            "/auth/login", data={"email": self.user["email"], "password": password}
        )

    def start_run(self, class_id, module="sample", language="nl", class_size=30):
        """Start a lesson of this size (None: the class's own size)."""
        data = {"module": module, "school_class": class_id, "language": language}
        if class_size is not None:
            data["class_size"] = class_size
        response = self.client.post("/runs/", data=data)
        assert response.status_code == 303, response.text
        run_id = int(re.search(r"/runs/(\d+)/present", response.location)[1])
        return run_id

    def act(self, run_id, question_id, action):
        return self.client.post(f"/runs/{run_id}/questions/{question_id}/{action}")


@pytest.fixture
def teacher(app, make_user, make_class):
    """A logged-in teacher of one class; `.class_id` is that class."""
    user = make_user("teacher")
    staff = Staff(app.test_client(), user)
    staff.class_id = make_class(user["school_id"], [user["id"]])
    assert staff.login().status_code == 302
    return staff


class Student:
    """A student's phone: its own cookie jar, no account."""

    def __init__(self, app, **environ):
        self.client = app.test_client()
        self.environ = environ

    def join(self, code):
        response = self.client.get(f"/j/{code}", environ_base=self.environ)
        return response

    def page(self, code):
        return self.client.get(f"/live/{code}", environ_base=self.environ)

    def answer(self, code, question_id, answer):
        data = {"answer": answer} if answer is not None else {}
        return self.client.post(
            f"/live/{code}/questions/{question_id}", data=data, environ_base=self.environ
        )


@pytest.fixture
def student(app):
    def make(**environ):
        return Student(app, **environ)

    return make


class _FormReader(HTMLParser):
    """Collect what a browser would send from one form of a page."""

    def __init__(self, action):
        super().__init__()
        self.action, self.inside, self.select = action, False, None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif self.inside and tag == "input" and attrs.get("name"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.fields[attrs["name"]] = attrs.get("value") or ""
        elif self.inside and tag == "select":
            self.select = attrs.get("name")
        elif self.inside and tag == "option" and self.select:
            first_or_chosen = "selected" in attrs or self.select not in self.fields
            self.fields[self.select] = (
                attrs.get("value") or "" if first_or_chosen else self.fields[self.select]
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def rendered_form(html, action):
    """The fields and values a browser submits from the page's form with this action."""
    reader = _FormReader(action)
    reader.feed(html)
    return reader.fields


def run_info(app, run_id):
    """Return (join code, [question ids in order]) of a run."""
    from classroom.polls.models import Run

    with app.app_context():
        run = db.session.get(Run, run_id)
        return run.join_code, [q.id for q in run.questions]


@pytest.fixture
def live_run(app, teacher):
    """A started sample run: (teacher, run_id, join code, question ids).

    The sample questions in order: scale, single (correct: 1), multiple, text, scale (post).
    """
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    return teacher, run_id, code, questions


@contextlib.contextmanager
def counted(app):
    """Count the SQL statements run inside the block."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
