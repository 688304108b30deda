"""Join codes: what a guesser learns, the wrong-code limits a school can live with, and
a rate-limit storage that is down."""

import logging
import random
import re
from io import BytesIO
from pathlib import Path

import pytest
import segno
from conftest import make_test_app
from limits import parse_many

from classroom.extensions import db
from classroom.polls import join_tickets, services
from classroom.polls.models import Run

JOIN_CODES_DOC = Path(__file__).resolve().parent.parent / "docs" / "join-codes.md"
# A visitor without cookies gets a new session, and its page a new CSRF token, every time.
CSRF_TOKEN = re.compile(r'name="csrf_token" value="[^"]*"')


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


def _limits(app, key):
    return parse_many(app.config[key])


def _per_day(limits) -> float:
    return min(limit.amount * 86400 / limit.get_expiry() for limit in limits)


def _per_window(limits) -> int:
    return min(limit.amount for limit in limits)


def test_the_documented_figures_are_those_of_the_configured_limits_and_code_space(app):
    """The arithmetic of docs/join-codes.md against the configured limits and code space."""
    document = re.sub(r"\s+", " ", JOIN_CODES_DOC.read_text())
    space = len(services.JOIN_CODE_ALPHABET) ** services.JOIN_CODE_LENGTH
    browser = _limits(app, "JOIN_BROWSER_LIMIT")
    address = _limits(app, "JOIN_FAILURE_LIMIT")
    assert [(limit.amount, limit.get_expiry()) for limit in browser] == [(30, 600), (300, 86400)]
    assert [(limit.amount, limit.get_expiry()) for limit in address] == [
        (1000, 600),
        (10000, 86400),
    ]
    assert "per browser 30 per 10 minutes and 300 per day" in document
    assert "per address 1,000 per 10 minutes and 10,000 per day" in document
    # A guesser rotates its cookies: the address's ceiling bounds it.
    tries_per_hit = space / 1000
    per_day = _per_day(address)
    assert tries_per_hit > 100_000
    assert f"10⁹ / 1,000 = {tries_per_hit:,.0f} tries on average" in document
    assert f"{per_day:,.0f} tries a day, one lesson every {tries_per_hit / per_day:,.0f} days" in (
        document
    )
    chance = per_day * 1000 / space
    assert f"{per_day:,.0f} × 1,000 / 10⁹ = {chance:.0%} a day" in document.replace(" %", "%")
    assert per_day <= tries_per_hit / 100  # a hundred days per address, on average
    # A school's 30 classes joining at once, 1 in 10 wrong and once more: 180 wrong codes.
    wave = 30 * 30 // 10 * 2
    assert f"{wave} wrong codes" in document
    assert _per_window(address) // wave >= 5
    assert "more than 5 times that" in document
    assert f"{_per_day(address) // wave:.0f} such rounds" in document
    # Each phone has its own, enough for a student who mistypes.
    assert _per_window(browser) >= 10 * 2


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
        with caplog.at_level(logging.WARNING):
            assert client.get("/j/123456789").status_code == 404
            assert client.post("/join", data={"code": "123456789"}).status_code == 404
            assert client.get("/join").status_code == 200
            data = {"email": "nobody@school.test", "password": "wrong password"}
            assert client.post("/auth/login", data=data).status_code == 401
        ours = [r for r in caplog.records if r.name == app.logger.name]
        assert [r.levelname for r in ours] == ["ERROR"]
        # It says that the per-account login limit starts again from zero.
        assert "failed logins per account too" in ours[0].getMessage()
        assert "starting from zero" in ours[0].getMessage()
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def joined_limits(limited, live_run):
    """The real limits, a running code and the QR code's link for it."""
    _teacher, _run_id, code, _questions = live_run
    with limited.app_context():
        return code, f"/j/{code}?t={join_tickets.ticket(code)}"


def _wrong(number: int) -> str:
    return f"{number:09d}"


def test_a_script_of_300_wrong_codes_leaves_the_right_code_to_every_other_browser(
    limited, joined_limits
):
    code, qr_link = joined_limits
    script = limited.test_client(use_cookies=False)  # a script that sends no cookies
    for attempt in range(300):
        wrong = _wrong(attempt)
        response = (
            script.get(f"/j/{wrong}") if attempt % 2 else script.post("/join", data={"code": wrong})
        )
        assert response.status_code == 404
    # Fresh phones behind the same address: the QR link, the short link and the typed code.
    assert limited.test_client().get(qr_link).status_code == 302
    assert limited.test_client().get(f"/j/{code}").status_code == 302
    phone = limited.test_client()
    typed = phone.post("/join", data={"code": code})
    assert typed.status_code == 303
    assert phone.get(typed.location).status_code == 302


def test_wrong_codes_of_one_browser_stop_at_its_own_limit_long_before_the_address(
    limited, joined_limits
):
    code, qr_link = joined_limits
    script = limited.test_client()  # a script that keeps its cookie
    assert script.get("/join").status_code == 200  # the page gives the browser its id
    for attempt in range(30):
        assert script.post("/join", data={"code": _wrong(attempt)}).status_code == 404
    assert script.post("/join", data={"code": _wrong(30)}).status_code == 429
    for attempt in range(31, 300):
        assert script.get(f"/j/{_wrong(attempt)}").status_code == 429
    # Refused, it learns nothing: the right code gets the same answer, but for the QR link.
    assert script.get(f"/j/{code}").status_code == 429
    assert script.get(qr_link).status_code == 302
    # Its 300 tries counted 30 at the address: every other browser joins and may mistype.
    other = limited.test_client()
    for attempt in range(29):
        assert other.get(f"/j/{_wrong(attempt)}").status_code == 404
    assert other.get(f"/j/{code}").status_code == 302


def test_a_browser_that_has_no_id_gets_one_with_its_first_wrong_code(limited, joined_limits):
    _code, _qr_link = joined_limits
    phone = limited.test_client()
    for attempt in range(31):  # the first counts by address only: it had no id yet
        assert phone.get(f"/j/{_wrong(attempt)}").status_code == 404
    assert phone.get(f"/j/{_wrong(31)}").status_code == 429


def test_the_address_ceiling_holds_across_rotated_cookies(limited, joined_limits):
    code, qr_link = joined_limits
    for attempt in range(1000):
        browser = limited.test_client()  # a fresh cookie jar for every try
        if attempt % 2:
            assert browser.get("/join").status_code == 200  # with a browser id of its own
            response = browser.post("/join", data={"code": _wrong(attempt)})
        else:
            response = browser.get(f"/j/{_wrong(attempt)}")
        assert response.status_code == 404
    fresh = limited.test_client()
    assert fresh.get(f"/j/{_wrong(1000)}").status_code == 429
    assert fresh.post("/join", data={"code": _wrong(1001)}).status_code == 429
    # Past the ceiling a right code is refused too (else a 429 would mean "wrong"), except
    # the QR link, whose ticket only a phone that read the projector has.
    assert fresh.get(f"/j/{code}").status_code == 429
    assert limited.test_client().get(qr_link).status_code == 302
    forged = f"/j/{_wrong(1002)}?t={qr_link.partition('?t=')[2]}"  # the ticket of another code
    assert limited.test_client().get(forged).status_code == 429
    # Another address is not affected.
    elsewhere = {"REMOTE_ADDR": "10.9.8.7"}
    assert limited.test_client().get(f"/j/{_wrong(1003)}", environ_base=elsewhere).status_code == (
        404
    )


def test_a_refused_visitor_gets_the_same_answer_for_any_code_on_every_route(
    limited, live_run, teacher
):
    """Past a limit, nothing tells an unknown, a running, a paused or an ended code apart."""
    _teacher, _run_id, running, questions = live_run
    limited.config["JOIN_FAILURE_LIMIT"] = "5 per 10 minutes"
    ended = _ended_code(limited, teacher)
    paused_id = teacher.start_run(teacher.class_id)
    assert teacher.client.post(f"/runs/{paused_id}/pause").status_code in (302, 303)
    with limited.app_context():
        paused = db.session.get(Run, paused_id)
        assert paused.is_paused
        paused = paused.join_code
    guesser = limited.test_client(use_cookies=False)
    for attempt in range(5):
        assert guesser.get(f"/j/{_wrong(attempt)}").status_code == 404
    seen = set()
    for code in (running, paused, ended, _wrong(99)):
        routes = (
            ("GET", f"/j/{code}", None),
            ("POST", "/join", {"code": code}),
            ("GET", f"/live/{code}", None),
            ("GET", f"/live/{code}/state", None),
            ("POST", f"/live/{code}/questions/{questions[0]}", {"answer": "1"}),
        )
        for method, path, data in routes:
            response = guesser.open(path, method=method, data=data)
            assert response.status_code == 429, (path, response.status_code)
            page = CSRF_TOKEN.sub("TOKEN", response.text.replace(code, "CODE"))
            seen.add((method, path.replace(code, "CODE"), page))
    assert len(seen) == 5  # one answer per route, whatever the code


def test_the_projector_qr_code_carries_the_ticket_of_its_code(app, live_run):
    teacher, run_id, code, _questions = live_run
    svg = teacher.client.get(f"/runs/{run_id}/qr.svg")
    assert svg.status_code == 200
    with app.app_context():
        link = f"http://klas.test/j/{code}?t={join_tickets.ticket(code)}"
    buffer = BytesIO()
    expected = segno.make(link, error="m")
    expected.save(buffer, kind="svg", scale=10, border=2, xmldecl=False)
    assert svg.data == buffer.getvalue()
    # A ticket is the code's own: another code's, or none at all, is no ticket.
    with app.app_context():
        assert join_tickets.is_valid(code, join_tickets.ticket(code))
        assert not join_tickets.is_valid(_wrong(1), join_tickets.ticket(code))
        assert not join_tickets.is_valid(code, "")
