"""Fixtures: one app per test, factories for staff and classes, helpers for students."""

import contextlib
import os
import re
import shutil
import sqlite3
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import FileSystemBytecodeCache
from sqlalchemy import event
from sqlalchemy.engine.interfaces import Dialect
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash

from classroom import config as default_config
from classroom import create_app
from classroom.accounts.models import School, User
from classroom.coordination.models import SchoolClass
from classroom.extensions import db
from classroom.programmes.models import Municipality

REAL_LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
SAMPLE_LESSONS_DIR = Path(__file__).resolve().parent / "fixtures" / "lessons"


def _worker_database() -> None:
    """Give each pytest-xdist worker a PostgreSQL database of its own (`<name>_gw0`, ...).

    The workers run at the same time and every test drops and creates the schema; the
    test modules read TEST_DATABASE_URL after this, so they all see the worker's.
    """
    url, worker = os.environ.get("TEST_DATABASE_URL", ""), os.environ.get("PYTEST_XDIST_WORKER")
    if not (worker and url.startswith("postgresql")):
        return
    from sqlalchemy import create_engine, make_url, text

    base = make_url(url)
    name = f"{base.database}_{worker}"
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    os.environ["TEST_DATABASE_URL"] = base.set(database=name).render_as_string(False)


_worker_database()
DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
PASSWORD = "correct horse battery"
# scrypt is slow on purpose (about 160 ms a login); the tests hash with one cheap round.
CHEAP_HASH_METHOD = "pbkdf2:sha256:1"
PASSWORD_HASH = generate_password_hash(PASSWORD, method=CHEAP_HASH_METHOD)
# Every test builds an app, and every app's Jinja environment would compile each template it
# renders anew (about 15 ms each). They compile once per run into this folder, which
# pytest-xdist's workers share through the environment, and load from it after (keyed by name
# and source checksum). The run removes it at the end.
TEMPLATE_CACHE_VARIABLE = "KLASGESPREK_TEST_TEMPLATE_CACHE"
_template_caches: dict[str, FileSystemBytecodeCache] = {}


def pytest_configure(config):
    """Make the run's template cache folder, unless a parent process (xdist) made it."""
    if os.environ.get(TEMPLATE_CACHE_VARIABLE):
        return
    folder = tempfile.mkdtemp(prefix="klasgesprek-templates-")
    os.environ[TEMPLATE_CACHE_VARIABLE] = folder

    def remove():
        os.environ.pop(TEMPLATE_CACHE_VARIABLE, None)
        shutil.rmtree(folder, ignore_errors=True)

    config.add_cleanup(remove)


def _template_cache() -> FileSystemBytecodeCache | None:
    folder = os.environ.get(TEMPLATE_CACHE_VARIABLE)
    if not folder:
        return None
    if folder not in _template_caches:
        _template_caches[folder] = FileSystemBytecodeCache(folder)
    return _template_caches[folder]


def _share_url_builders() -> None:
    """Compile each URL rule's builders once per test process, not once per app.

    Werkzeug compiles two Python functions per rule for every new app (26 of the 30 ms an
    app takes to build), and the tests build an app per test from the same rules. A builder
    depends only on the rule's parts, the names of its defaults and `append_unknown`, and is
    handed its rule when called; a default for a part of the URL is folded in, so those rules
    compile as before. `Rule._compile_builder` and `_trace` are werkzeug's own: should they go,
    nothing changes but speed.
    """
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:
        return
    builders = {}

    def shared_builder(rule, append_unknown=True):
        defaults = rule.defaults or {}
        trace = tuple(getattr(rule, "_trace", ()))
        if not trace or (defaults and any(part in defaults for _dynamic, part in trace)):
            return compile_builder(rule, append_unknown)
        key = (trace, tuple(defaults), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = shared_builder


_share_url_builders()


class SharedCompiledSQL(dict):
    """SQLAlchemy's compiled statements, shared by the test apps' SQLite engines.

    Each engine keeps its own cache (the `compiled_cache` execution option), keyed by its
    dialect object, so every test app compiled its queries anew (13 % of the tests' time).
    This cache keys them by the kind of dialect instead, which is the same for all of them.
    A key of another shape (SQLAlchemy's own) is kept as it is.
    """

    @staticmethod
    def _shared(key):
        if isinstance(key, tuple) and key and isinstance(key[0], Dialect):
            dialect = key[0]
            return (type(dialect), dialect.paramstyle, dialect.server_version_info, *key[1:])
        return key

    def get(self, key, default=None):
        return super().get(self._shared(key), default)

    def __getitem__(self, key):
        return super().__getitem__(self._shared(key))

    def __setitem__(self, key, value):
        super().__setitem__(self._shared(key), value)

    def __contains__(self, key):
        return super().__contains__(self._shared(key))


SHARED_COMPILED_SQL = SharedCompiledSQL()


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
        # The test OpenID provider and issuers run on 127.0.0.1 (docs/sign-on.md).
        "SIGNON_ALLOW_PRIVATE_ISSUERS": True,
    }
    settings.update(config)
    sqlite = str(settings["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")
    if sqlite and "SQLALCHEMY_ENGINE_OPTIONS" not in config:
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **default_config.SQLALCHEMY_ENGINE_OPTIONS,
            "execution_options": {"compiled_cache": SHARED_COMPILED_SQL},
        }
    app = create_app(settings)
    app.jinja_env.bytecode_cache = _template_cache()
    return app


@contextlib.contextmanager
def app_with_schema(**config):
    """An app on a fresh schema of its database, dropped again afterwards."""
    app = make_test_app(**config)
    with app.app_context():
        in_memory = _in_memory_sqlite()
        if in_memory:
            _copy_schema()
        else:
            db.drop_all()
            db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            if not in_memory:  # an in-memory database goes with its one connection
                db.drop_all()
            db.engine.dispose()


def _in_memory_sqlite() -> bool:
    url = db.engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


# The schema of an in-memory SQLite database, made once per set of tables (a module imported
# later may add some): create_all costs about 20 ms a test, a copy well under one.
_schema_templates: dict[tuple[str, ...], sqlite3.Connection] = {}


def _copy_schema() -> None:
    """Give the current app's in-memory database the schema, with SQLite's backup API."""
    tables = tuple(sorted(db.metadata.tables))
    connection = db.engine.raw_connection()  # the database's only connection (StaticPool)
    try:
        template = _schema_templates.get(tables)
        if template is None:
            db.create_all()
            template = sqlite3.connect(":memory:", check_same_thread=False)
            connection.driver_connection.backup(template)
            _schema_templates[tables] = template
        else:
            template.backup(connection.driver_connection)
    finally:
        connection.close()


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

    def make(role="teacher", school_id=None, email=None, municipality_id=None):
        with app.app_context():
            if role == "lead" and municipality_id is None:
                municipality = Municipality(name=f"Gemeente {next(counter)}")
                db.session.add(municipality)
                db.session.flush()
                municipality_id = municipality.id
            if role in ("teacher", "coordinator"):
                school_id = school_id or make_school(f"School {next(counter)}")
            user = User(
                school_id=school_id,
                municipality_id=municipality_id,
                email=email or f"{role}{next(counter)}@school.test",
                name=f"Test {role}",
                role=role,
                password_hash=PASSWORD_HASH,
            )
            db.session.add(user)
            db.session.commit()
            return {
                "id": user.id,
                "email": user.email,
                "school_id": school_id,
                "municipality_id": municipality_id,
            }

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
def make_staff(app, make_user):
    """`make_staff(role, school_id=None, email=None)`: a logged-in staff member with a browser
    of their own, in a new school unless one is given."""

    def make(role="teacher", school_id=None, email=None) -> Staff:
        staff = Staff(app.test_client(), make_user(role, school_id=school_id, email=email))
        assert staff.login().status_code == 302
        return staff

    return make


@pytest.fixture
def teacher(make_staff, make_class):
    """A logged-in teacher of one class; `.class_id` is that class."""
    staff = make_staff("teacher")
    staff.class_id = make_class(staff.user["school_id"], [staff.user["id"]])
    return staff


@pytest.fixture
def coordinator(request, make_staff):
    """A logged-in coordinator: of the `teacher`'s school when the test has that teacher,
    else of a school of their own."""
    if "teacher" in request.fixturenames:
        teacher = request.getfixturevalue("teacher")
        return make_staff("coordinator", school_id=teacher.user["school_id"])
    return make_staff("coordinator")


@pytest.fixture
def limited(app):
    """The app with its rate limits on, counting in a fresh in-memory store."""
    from classroom.extensions import limiter

    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    return app


@pytest.fixture
def csrf_on(app):
    """CSRF checks on, as in production (the other tests switch them off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


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
