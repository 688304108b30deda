"""The speed-ups that lean on the framework (`classroom.speedups`): every private name they
need is still there, a test per name that fails naming the speed-up to revisit, and an
app whose libraries lost such a name still builds and answers through Flask."""

import logging

import flask
import flask.globals
import pytest
from conftest import app_with_schema

from classroom import speedups
from classroom.extensions import limiter
from classroom.fastpath import StatePoll


@pytest.fixture
def app(lessons_dir, monkeypatch, request):
    """The test app, built after removing the private names the test passes as its param."""
    for name in getattr(request, "param", ()):
        monkeypatch.delattr(name.holder(), name.attribute)
    with app_with_schema(LESSONS_DIR=str(lessons_dir)) as app:
        yield app


@pytest.mark.parametrize("name", speedups.PRIVATE_NAMES, ids=lambda name: name.label)
def test_the_private_name_is_still_there(name):
    assert name.present(), name.problem()


@pytest.mark.parametrize("name", speedups.PRIVATE_NAMES, ids=lambda name: name.label)
def test_a_removed_name_fails_the_check_naming_the_speedup_to_revisit(name, monkeypatch):
    assert speedups.problems() == []
    monkeypatch.delattr(name.holder(), name.attribute)
    assert speedups.problems() == [name.problem()]
    assert name.label in name.problem()
    assert f"revisit {name.speedup}" in name.problem()


def test_every_speedup_is_installed(app):
    assert isinstance(app.wsgi_app, StatePoll)
    assert app.request_class is speedups.AppRequest
    assert isinstance(app.session_interface, speedups.SessionInterface)
    assert limiter.filters_first


def _reaching_flask(app, client, path: str, **headers: str) -> tuple[int, int]:
    """The status of a GET and how many requests Flask itself handled for it."""
    seen = []

    def started(_sender, **_extra):
        seen.append(flask.request.path)

    flask.request_started.connect(started, app)
    try:
        status = client.get(path, headers=headers).status_code
    finally:
        flask.request_started.disconnect(started, app)
    return status, len(seen)


@pytest.mark.parametrize(
    "app", [(), (speedups.FLASK_REQUEST,)], indirect=True, ids=["all there", "_cv_request gone"]
)
def test_without_flasks_request_variable_flask_answers_the_projector_poll(
    app, live_run, student, caplog
):
    teacher, run_id, code, questions = live_run
    gone = speedups.FLASK_REQUEST.label in " ".join(speedups.problems())
    left_out = [r for r in caplog.get_records("setup") if "Speed-up left out" in r.getMessage()]
    assert len(left_out) == gone
    assert teacher.act(run_id, questions[0], "open").status_code == 303
    path = f"/runs/{run_id}/state"
    etag = teacher.client.get(path).headers["ETag"]
    # The same 304 either way; in front of Flask only while the name is there.
    status, flask_handled = _reaching_flask(app, teacher.client, path, **{"If-None-Match": etag})
    assert (status, flask_handled) == (304, 1 if gone else 0)
    # A phone's poll needs no private name: it is answered in front of Flask either way.
    phone = student()
    assert phone.join(code).status_code == 302
    assert _reaching_flask(app, phone.client, f"/live/{code}/state") == (200, 0)


@pytest.mark.parametrize("app", [(speedups.LIMITER_FILTERS,)], indirect=True, ids=["gone"])
def test_without_the_limiters_filter_list_flask_limiter_asks_its_filters_itself(
    app, live_run, student, caplog
):
    assert not limiter.filters_first
    records = caplog.get_records("setup")
    assert any(
        r.levelno == logging.WARNING and speedups.LIMITER_FILTERS.label in r.getMessage()
        for r in records
    )
    _teacher, _run_id, code, _questions = live_run
    phone = student()
    assert phone.join(code).status_code == 302
    assert phone.page(code).status_code == 200


def test_the_test_apps_still_share_url_builders(lessons_dir):
    """tests/conftest.py `_share_url_builders` wraps werkzeug's `Rule._compile_builder` and
    reads `Rule._trace`; if werkzeug renames them, each test app compiles its own again."""
    from werkzeug.routing import Rule

    assert Rule._compile_builder.__name__ == "shared_builder", (
        "werkzeug.routing.Rule._compile_builder is gone: revisit _share_url_builders "
        "in tests/conftest.py"
    )
    with app_with_schema(LESSONS_DIR=str(lessons_dir)) as app:
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "polls.detail")
        assert getattr(rule, "_trace", None), (
            "werkzeug.routing.Rule._trace is gone: revisit _share_url_builders in tests/conftest.py"
        )


def test_the_test_apps_still_share_compiled_sql(lessons_dir):
    """tests/conftest.py `SharedCompiledSQL` keys SQLAlchemy's compiled statements by the kind
    of dialect, which it finds first in SQLAlchemy's cache key; if that layout changes, each
    test app compiles its own statements again."""
    from conftest import DATABASE_URL, SHARED_COMPILED_SQL

    from classroom.accounts.models import School
    from classroom.extensions import db

    if not DATABASE_URL.startswith("sqlite"):
        pytest.skip("the SQLite engines of the test apps share it")
    for _ in range(2):
        with app_with_schema(LESSONS_DIR=str(lessons_dir)) as app, app.app_context():
            db.session.scalars(db.select(School).where(School.name == "speed-up probe")).all()
    shared = [key for key in SHARED_COMPILED_SQL if isinstance(key, tuple) and key]
    assert any(isinstance(key[0], type) for key in shared), (
        "SQLAlchemy's compiled cache keys no longer start with the dialect: revisit "
        "SharedCompiledSQL in tests/conftest.py"
    )
