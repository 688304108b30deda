"""The projector's state poll in front of Flask: the same answers as the Flask view, to everyone.

`classroom.fastpath.StatePoll` answers a teacher's `/runs/ID/state` with a 304
when the ETag is current; every other case must reach Flask and get what it
got before: a visitor without a session, another teacher, a coordinator, a
deactivated account, a session logged out elsewhere or timed out, a tampered
cookie. (The phones' poll is compared in tests/test_two_instances.py.)
"""

import time

import pytest
from conftest import Staff
from werkzeug.test import Client
from werkzeug.wrappers import Response

from classroom.accounts.models import User
from classroom.extensions import db
from classroom.fastpath import StatePoll

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Cache-Control",
)


def _cookie(staff) -> str:
    return staff.client.get_cookie("session", domain="klas.test").value


def _both_ways(app, path: str, cookie: str = "", etag: str = "", browser: str = ""):
    """The response of the whole app and of Flask alone (without StatePoll) to one GET."""
    # The browser the teacher logged in with (Flask's test client), unless another is given.
    headers = {"User-Agent": browser or app.test_client().environ_base["HTTP_USER_AGENT"]}
    if cookie:
        headers["Cookie"] = f"session={cookie}"
    if etag:
        headers["If-None-Match"] = etag
    assert isinstance(app.wsgi_app, StatePoll)
    whole = app.test_client(use_cookies=False).get(path, headers=headers)
    flask_alone = Client(app.wsgi_app.wsgi_app, Response, use_cookies=False).get(
        path,
        headers=headers,
        base_url="http://klas.test",
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    return whole, flask_alone


@pytest.fixture
def projector(app, live_run, student):
    """A run with its first question open and two answers; (teacher, run_id, path, etag)."""
    teacher, run_id, code, questions = live_run
    assert teacher.act(run_id, questions[0], "open").status_code == 303
    for answer in ("2", "4"):
        phone = student()
        phone.join(code)
        assert phone.answer(code, questions[0], answer).status_code == 303
    path = f"/runs/{run_id}/state"
    response = teacher.client.get(path)
    assert response.status_code == 200
    assert response.json["answers"] == 2
    return teacher, run_id, path, response.headers["ETag"]


def test_the_teacher_gets_the_views_304_without_a_cookie_written(app, projector):
    teacher, _run_id, path, etag = projector
    whole, flask_alone = _both_ways(app, path, _cookie(teacher), etag)
    assert whole.status_code == flask_alone.status_code == 304
    assert whole.data == b""
    assert whole.headers["ETag"] == flask_alone.headers["ETag"] == etag
    assert whole.headers.get("Vary") == flask_alone.headers.get("Vary")
    for name in SECURITY_HEADERS:
        assert whole.headers[name] == flask_alone.headers[name], name
    assert "Set-Cookie" not in whole.headers
    assert "Set-Cookie" not in flask_alone.headers


def test_a_new_answer_or_an_old_etag_reaches_the_view(app, projector, live_run, student):
    teacher, _run_id, path, etag = projector
    _teacher, _run_id, code, questions = live_run
    phone = student()
    phone.join(code)
    assert phone.answer(code, questions[0], "3").status_code == 303
    whole, flask_alone = _both_ways(app, path, _cookie(teacher), etag)
    assert whole.status_code == flask_alone.status_code == 200
    assert whole.json == flask_alone.json
    assert whole.json["answers"] == 3
    assert whole.headers["ETag"] == flask_alone.headers["ETag"] != etag
    whole, flask_alone = _both_ways(app, path, _cookie(teacher))  # no ETag sent
    assert whole.status_code == flask_alone.status_code == 200


def test_nobody_but_the_runs_own_teacher_gets_past(app, projector, make_user, make_school):
    teacher, run_id, path, etag = projector
    stranger = make_user("teacher")
    colleague = make_user("teacher", school_id=teacher.user["school_id"])
    coordinator = make_user("coordinator", school_id=teacher.user["school_id"])
    cookies = {"no session": ""}
    for name, user in (
        ("stranger", stranger),
        ("colleague", colleague),
        ("coordinator", coordinator),
    ):
        staff = Staff(app.test_client(), user)
        assert staff.login().status_code == 302
        cookies[name] = _cookie(staff)
    own = _cookie(teacher)
    cookies["tampered"] = own[:-2] + ("xx" if not own.endswith("xx") else "yy")
    for name, cookie in cookies.items():
        whole, flask_alone = _both_ways(app, path, cookie, etag)
        assert whole.status_code == flask_alone.status_code, name
        assert whole.status_code in (302, 404), name
        assert whole.headers.get("Location") == flask_alone.headers.get("Location"), name
    # Another run's id with the own teacher's cookie: the guard's 404 as well.
    whole, flask_alone = _both_ways(app, f"/runs/{run_id + 1}/state", own, etag)
    assert whole.status_code == flask_alone.status_code == 404
    whole, flask_alone = _both_ways(app, f"/runs/0{run_id}/state", own, etag)
    assert whole.status_code == flask_alone.status_code == 404


def test_an_account_switched_off_or_logged_out_elsewhere_is_refused(app, projector):
    teacher, _run_id, path, etag = projector
    cookie = _cookie(teacher)
    with app.app_context():
        user = db.session.get(User, teacher.user["id"])
        user.active = False
        db.session.commit()
    whole, flask_alone = _both_ways(app, path, cookie, etag)
    assert whole.status_code == flask_alone.status_code == 302
    assert "/auth/login" in whole.headers["Location"]
    with app.app_context():
        user = db.session.get(User, teacher.user["id"])
        user.active = True
        user.session_token = "another-session-token"
        db.session.commit()
    whole, flask_alone = _both_ways(app, path, cookie, etag)
    assert whole.status_code == flask_alone.status_code == 302


def test_a_session_that_flask_would_end_or_rewrite_reaches_flask(app, projector):
    teacher, _run_id, path, etag = projector
    with teacher.client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 121 * 60
    whole, flask_alone = _both_ways(app, path, _cookie(teacher), etag)
    assert whole.status_code == flask_alone.status_code == 302  # timed out: to the login
    assert "/auth/login" in whole.headers["Location"]
    with teacher.client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 90
    whole, flask_alone = _both_ways(app, path, _cookie(teacher), etag)
    assert whole.status_code == flask_alone.status_code == 304
    assert "Set-Cookie" in whole.headers  # `seen_at` written again, as Flask does


def test_a_cookie_moved_to_another_browser_reaches_flask(app, projector):
    """Flask-Login marks such a session as not fresh, in the cookie: only Flask writes it."""
    teacher, _run_id, path, etag = projector
    whole, flask_alone = _both_ways(app, path, _cookie(teacher), etag, browser="Other/1.0")
    assert whole.status_code == flask_alone.status_code == 304
    assert "Set-Cookie" in whole.headers
    assert "Set-Cookie" in flask_alone.headers
