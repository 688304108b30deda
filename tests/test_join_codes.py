"""Join codes: what a guesser learns, the wrong-code limit a school can live with, and
a rate-limit storage that is down."""

import logging
import random

import pytest
from conftest import make_test_app
from limits import parse_many

from classroom.extensions import db
from classroom.polls import services
from classroom.polls.models import Run


@pytest.fixture
def limited(app):
    app.config["RATELIMIT_ENABLED"] = True
    from classroom.extensions import limiter

    limiter.init_app(app)  # a fresh in-memory store for this test
    return app


def _ended_code(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    teacher.client.post(f"/runs/{run_id}/end")
    with app.app_context():
        return db.session.get(Run, run_id).join_code


def test_live_routes_answer_a_visitor_who_did_not_join_the_same_for_any_code(
    app, live_run, teacher
):
    _teacher, _run_id, running, questions = live_run
    ended = _ended_code(app, teacher)
    unknown = "123456789" if running != "123456789" else "987654321"
    visitor = app.test_client()
    seen = set()
    for code in (running, ended, unknown):
        routes = (("GET", ""), ("GET", "/state"), ("POST", f"/questions/{questions[1]}"))
        for method, route in routes:
            response = visitor.open(f"/live/{code}{route}", method=method, data={"answer": "1"})
            assert response.status_code in (302, 303), (route, response.status_code)
            location = response.location.replace(code, "CODE")
            seen.add((route, response.status_code, location, response.text.replace(code, "CODE")))
    # Per route the answer is the same for a running, an ended and an unknown code.
    assert len(seen) == 3


def test_a_joined_phone_still_learns_that_its_lesson_ended(app, live_run, student):
    teacher, run_id, code, _questions = live_run
    phone = student()
    assert phone.join(code).status_code == 302
    teacher.client.post(f"/runs/{run_id}/end")
    assert phone.page(code).status_code == 410


def test_thirty_classes_behind_one_address_with_one_typo_in_ten_never_see_a_429(
    limited, live_run, make_class, make_user
):
    teacher, _run_id, _code, _questions = live_run
    codes = [teacher.start_run(teacher.class_id) for _ in range(29)]
    with limited.app_context():
        codes = [db.session.get(Run, run_id).join_code for run_id in codes] + [_code]
    chance = random.Random(13)
    statuses = []
    for index in range(30 * 30):
        code = codes[index % 30]
        phone = limited.test_client()  # every phone behind the school's one address
        if index % 10 == 0:  # one in ten types a wrong digit first
            typo = code[:-1] + str((int(code[-1]) + chance.randrange(1, 10)) % 10)
            statuses.append(phone.post("/join", data={"code": typo}).status_code)
        statuses.append(phone.post("/join", data={"code": code}).status_code)
    assert 429 not in statuses
    assert statuses.count(303) == 900


def test_guessing_one_of_a_thousand_codes_takes_over_100000_tries_per_address_per_day(app):
    """The arithmetic of README, Security, against the configured limit and code space."""
    space = len(services.JOIN_CODE_ALPHABET) ** services.JOIN_CODE_LENGTH
    tries_per_hit = space / 1000
    per_day = min(
        limit.amount * 86400 / limit.get_expiry()
        for limit in parse_many(app.config["JOIN_FAILURE_LIMIT"])
    )
    assert tries_per_hit > 100_000
    assert per_day < tries_per_hit / 100  # a hundred days per address, on average
    # A school's 30 classes joining at once, 1 in 10 wrong, stay far below the limit.
    assert min(limit.amount for limit in parse_many(app.config["JOIN_FAILURE_LIMIT"])) >= 3 * 90


def test_codes_are_nine_digits_and_typed_loosely_still_work(app, live_run, student):
    _teacher, _run_id, code, _questions = live_run
    assert code.isdigit() and len(code) == 9
    phone = student()
    response = phone.client.post("/join", data={"code": f"{code[:3]} {code[3:6]}-{code[6:]}"})
    assert response.status_code == 303
    page = phone.client.get("/join")
    assert 'inputmode="numeric"' in page.text


def test_a_rate_limit_storage_that_is_down_falls_back_to_memory_and_logs_once(make_user, caplog):
    app = make_test_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        db.drop_all()
        db.create_all()
    try:
        client = app.test_client()
        with caplog.at_level(logging.WARNING, logger="flask-limiter"):
            assert client.get("/j/123456789").status_code == 404
            assert client.post("/join", data={"code": "123456789"}).status_code == 404
            assert client.get("/join").status_code == 200
            data = {"email": "nobody@school.test", "password": "wrong password"}
            assert client.post("/auth/login", data=data).status_code == 401
        warnings = [r for r in caplog.records if "falling back to in-memory" in r.getMessage()]
        assert len(warnings) == 1
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()
