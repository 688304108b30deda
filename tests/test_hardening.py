"""Sessions, passwords, headers, proxies, error pages, retention, backups and migrations."""

import logging
import re
import time
from datetime import timedelta

import pytest
from conftest import PASSWORD, Staff, run_info
from sqlalchemy import inspect

from classroom.accounts.models import User
from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, Response, ResultRelease, Run
from classroom.timeutil import now_utc

SINGLE, TEXT = 1, 3


def session_cookie(client):
    cookie = client.get_cookie("session", domain="klas.test")
    return cookie.value if cookie else None


def test_login_starts_a_fresh_session(app, make_user):
    user = make_user("teacher")
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["language"] = "en"
    before = session_cookie(client)
    Staff(client, user).login()
    assert session_cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["language"] == "en"  # the language choice stays


def test_a_copied_cookie_stops_working_after_logout(app, make_user):
    user = make_user("teacher")
    client = app.test_client()
    Staff(client, user).login()
    copied = session_cookie(client)
    client.post("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied, domain="klas.test")
    assert thief.get("/lessons/").status_code == 302


def test_idle_and_absolute_timeouts_end_a_staff_session(app, make_user):
    user = make_user("teacher")
    client = app.test_client()
    Staff(client, user).login()
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 121 * 60
    response = client.get("/lessons/")
    assert response.status_code == 302 and "/auth/login" in response.location
    Staff(client, user).login()
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - 13 * 3600
    assert client.get("/lessons/").status_code == 302
    Staff(client, user).login()
    assert client.get("/lessons/").status_code == 200


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("kort", False),
        ("wachtwoord", False),
        ("Welkom01", False),
        ("12345678", False),
        ("x" * 1025, False),
        ("paardenstal batterij nietje", True),
        ("ž" * 300, True),
    ],
)
def test_passwords_are_long_enough_and_not_common(app, make_user, password, accepted):
    user = make_user("teacher")
    client = app.test_client()
    Staff(client, user).login()
    response = client.post(
        "/auth/password", data={"current": PASSWORD, "password": password, "confirm": password}
    )
    assert (response.status_code == 303) is accepted
    with app.app_context():
        assert db.session.get(User, user["id"]).check_password(password) is accepted


def test_security_headers_on_every_kind_of_page(app, live_run, student):
    teacher, run_id, code, _questions = live_run
    phone = student()
    phone.join(code)
    pages = [
        app.test_client().get("/"),
        teacher.client.get(f"/runs/{run_id}/present"),
        teacher.client.get(f"/runs/{run_id}/summary"),
        phone.page(code),
        app.test_client().get("/nope"),
    ]
    for response in pages:
        policy = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in response.headers
    secure = app.test_client().get("/", base_url="https://klas.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(("hops", "expected"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_forwarded_addresses_are_trusted_only_for_configured_proxies(hops, expected):
    from conftest import make_test_app
    from flask import request

    app = make_test_app(TRUSTED_PROXY_HOPS=hops, SQLALCHEMY_DATABASE_URI="sqlite://")
    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    app.test_client().get("/healthz", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
    assert seen == [expected]


@pytest.mark.parametrize(
    ("language", "title"), [("nl", "Er ging iets mis."), ("en", "Something went wrong.")]
)
def test_a_server_error_shows_a_generic_page_and_logs_no_answer_or_code(
    app, live_run, student, monkeypatch, caplog, language, title
):
    teacher, run_id, code, questions = live_run
    phone = student()
    phone.join(code)
    with phone.client.session_transaction() as session:
        session["language"] = language
    teacher.act(run_id, questions[TEXT], "open")
    app.testing = False  # let the app handle the error as in production

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(answers, "store_answer", broken)
    with caplog.at_level(logging.ERROR):
        response = phone.answer(code, questions[TEXT], "mijn geheime antwoord")
    assert response.status_code == 500
    assert title in response.text
    assert "Traceback" not in response.text and "RuntimeError" not in response.text
    logged = caplog.text
    assert "student.live_answer" in logged
    for secret in ("mijn geheime antwoord", code):
        assert secret not in logged
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0


def test_the_privacy_page_lists_exactly_the_stored_answer_fields(app, client):
    page = client.get("/privacy").text
    listed = set(re.findall(r'data-column="([a-z_]+)"', page))
    with app.app_context():
        stored = {column["name"] for column in inspect(db.engine).get_columns("response")}
    assert listed == stored
    assert "30 dagen" in page


def answered_run(app, teacher, student, values=(0, 1, 1, 2, 1)):
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    teacher.act(run_id, questions[SINGLE], "open")
    for value in values:
        phone = student()
        phone.join(code)
        assert phone.answer(code, questions[SINGLE], str(value)).status_code == 303
    teacher.act(run_id, questions[TEXT], "open")
    for _ in range(5):
        phone = student()
        phone.join(code)
        phone.answer(code, questions[TEXT], "iets open")
    with app.app_context():
        queue = answers.moderation_queue(db.session.get(Question, questions[TEXT]))
    for entry in queue.answers:
        teacher.client.post(
            f"/runs/{run_id}/questions/{questions[TEXT]}/answers/{entry.id}/approve"
        )
    teacher.client.post(f"/runs/{run_id}/end")
    return run_id


def test_purge_deletes_old_raw_answers_and_keeps_the_suppressed_totals(
    app, teacher, student, runner
):
    old = answered_run(app, teacher, student)
    recent = answered_run(app, teacher, student)
    summary_before = teacher.client.get(f"/runs/{old}/summary.csv").text
    with app.app_context():
        db.session.get(Run, old).ended_at = now_utc() - timedelta(days=31)
        db.session.commit()
    result = runner.invoke(args=["purge"])
    assert "Purged the answers of 1 lesson(s)." in result.output
    with app.app_context():
        old_questions = [q.id for q in db.session.get(Run, old).questions]
        remaining = db.session.scalar(
            db.select(db.func.count())
            .select_from(Response)
            .where(Response.question_id.in_(old_questions))
        )
        assert remaining == 0  # nothing older than the retention period remains
        assert db.session.get(Run, recent).purged_at is None
        snapshots = db.session.scalars(
            db.select(ResultRelease).where(ResultRelease.question_id.in_(old_questions))
        ).all()
        assert all(s.results is None or not s.results.get("texts") for s in snapshots)
    summary_after = teacher.client.get(f"/runs/{old}/summary.csv").text
    kept = [line for line in summary_before.splitlines() if "iets open" not in line]
    assert summary_after.splitlines() == kept  # the same totals, without the open answers
    assert "iets open" in summary_before and "iets open" not in summary_after


def test_backup_of_a_live_database_restores_to_identical_results(tmp_path):
    from conftest import REAL_LESSONS_DIR, make_test_app

    from classroom.cli import load_demo, load_demo_lessons

    live = tmp_path / "live.sqlite"
    app = make_test_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{live}",
        LESSONS_DIR=str(REAL_LESSONS_DIR),
    )
    with app.app_context():
        db.create_all()
        load_demo_lessons(load_demo(), now_utc().date())
        db.session.commit()
        expected = _all_results()
    copy = tmp_path / "backup.sqlite"
    result = app.test_cli_runner().invoke(args=["backup", str(copy)])
    assert result.exit_code == 0, result.output
    restored = make_test_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{copy}", LESSONS_DIR=app.config["LESSONS_DIR"]
    )
    with restored.app_context():
        assert _all_results() == expected
        assert expected  # the demo has answered lessons
        db.engine.dispose()
    with app.app_context():
        db.engine.dispose()


def _all_results():
    rows = []
    for question in db.session.scalars(db.select(Question).order_by(Question.id)):
        result = answers.results(question, "nl")
        rows.append(
            (question.id, None if result is None else [(o.label, o.count) for o in result.options])
        )
    return rows


def test_backup_refuses_postgresql_with_pg_dump_guidance(app, runner, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("runs on the PostgreSQL pass of the suite")
    result = runner.invoke(args=["backup", str(tmp_path / "x.dump")])
    assert result.exit_code != 0 and "pg_dump" in result.output


def test_migrations_go_up_one_down_and_up_again(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        db.drop_all()
        upgrade()
        head = _revision()
        downgrade(revision="-1")
        assert _revision() != head
        upgrade()
        assert _revision() == head
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert head == script.get_current_head()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def _revision():
    with db.engine.connect() as connection:
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


@pytest.mark.parametrize(
    ("language", "title"),
    [("nl", "Dat waren te veel gegevens."), ("en", "That was too much data.")],
)
def test_a_huge_request_is_refused_before_it_is_read(app, language, title):
    client = app.test_client()
    with client.session_transaction() as session:
        session["language"] = language
    body = b"code=" + b"1" * (2 * 1024 * 1024)
    response = client.post("/join", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert title in response.text


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/auth/login", {"email": "a\x00@school.test", "password": "x"}),
        ("/join", {"code": "123\x00456789"}),
        ("/auth/login?next=/\x00", {"email": "a@school.test", "password": "x"}),
    ],
)
def test_a_nul_character_in_a_form_is_a_400(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "Het formulier bevatte een teken dat niet is toegestaan." in response.text


def test_a_nul_character_in_an_open_answer_is_a_400_and_stores_nothing(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = student()
    phone.join(code)
    teacher.act(run_id, questions[TEXT], "open")
    assert phone.answer(code, questions[TEXT], "hallo\x00daar").status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0


@pytest.mark.parametrize("huge", [2**31, 2**63, 10**30])
def test_ids_beyond_the_database_range_are_404s(app, live_run, student, huge):
    teacher, run_id, code, _questions = live_run
    phone = student()
    phone.join(code)
    assert (
        phone.client.post(f"/live/{code}/questions/{huge}", data={"answer": "1"}).status_code == 404
    )
    assert teacher.client.post(f"/runs/{huge}/end").status_code == 404
    assert teacher.client.get(f"/runs/{run_id}/questions/{huge}/open").status_code in (404, 405)
    assert teacher.client.post(f"/runs/{run_id}/questions/{huge}/open").status_code == 404


def _production_app(**config):
    from classroom import create_app

    settings = {
        "SECRET_KEY": "k",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "SERVER_NAME": "klas.test",
    }
    return create_app({**settings, **config})


def test_the_session_cookie_is_secure_by_default_outside_debug_mode():
    app = _production_app()
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/join")
    assert "Secure" in response.headers["Set-Cookie"]
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    debug = _production_app(DEBUG=True)
    assert debug.config["SESSION_COOKIE_SECURE"] is False
    chosen = _production_app(SESSION_COOKIE_SECURE=False)
    assert chosen.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("argv", "warned"),
    [
        (["gunicorn", "--bind", "0.0.0.0:8000", "wsgi:app"], True),
        (["gunicorn", "-b", "192.0.2.5:8000", "wsgi:app"], True),
        (["flask", "run", "--host=0.0.0.0"], True),
        (["gunicorn", "--bind", "127.0.0.1:8000", "wsgi:app"], False),
        (["gunicorn", "--bind", "[::1]:8000", "wsgi:app"], False),
        (["gunicorn", "--bind", "unix:/run/klasgesprek.sock", "wsgi:app"], False),
        (["gunicorn", "--bind", "0.0.0.0:443", "--certfile", "c.pem", "wsgi:app"], False),
    ],
)
def test_plain_http_on_another_address_is_warned_about_at_start(monkeypatch, caplog, argv, warned):
    monkeypatch.setattr("sys.argv", argv)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    with caplog.at_level(logging.WARNING):
        _production_app()
    assert any("plain HTTP" in r.getMessage() for r in caplog.records) is warned
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        _production_app(TRUSTED_PROXY_HOPS=1)
    assert not any("plain HTTP" in r.getMessage() for r in caplog.records)


def test_a_new_secret_key_with_the_old_as_fallback_keeps_phones_joined(app, live_run, student):
    _teacher, _run_id, code, _questions = live_run
    phone = student()
    assert phone.join(code).status_code == 302
    assert phone.page(code).status_code == 200
    old = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="a new key " + old, SECRET_KEY_FALLBACKS=[old])
    try:
        assert phone.page(code).status_code == 200  # the old cookie still reads
        app.config["SECRET_KEY_FALLBACKS"] = []
        # Without the fallback the cookie no longer reads: back to the join link.
        assert phone.page(code).status_code == 302
    finally:
        app.config.update(SECRET_KEY=old, SECRET_KEY_FALLBACKS=[])
