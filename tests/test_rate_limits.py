"""Rate limits on login failures (per account) and wrong join codes (per address)."""

from conftest import PASSWORD, Staff
from flask import request
from flask_limiter import Limiter


def test_ten_failed_logins_lock_the_account_for_a_minute(limited, make_user):
    user = make_user("teacher")
    other = make_user("teacher")
    client = limited.test_client()
    for _ in range(10):
        response = client.post(
            "/auth/login", data={"email": user["email"], "password": "wrong one"}
        )
        assert response.status_code == 401
    locked = client.post("/auth/login", data={"email": user["email"], "password": PASSWORD})
    assert locked.status_code == 429
    assert "Probeer het over 1 minuut opnieuw." in locked.text
    # Another account is not affected, and successful logins never count.
    assert Staff(limited.test_client(), other).login().status_code == 302


def test_successful_logins_do_not_count_towards_the_limit(limited, make_user):
    user = make_user("teacher")
    for _ in range(12):
        client = limited.test_client()
        assert Staff(client, user).login().status_code == 302


def test_wrong_codes_from_one_address_are_stopped_on_every_code_route(limited, live_run):
    _teacher, _run_id, code, _questions = live_run
    limited.config["JOIN_FAILURE_LIMIT"] = "20 per 10 minutes"
    client = limited.test_client()
    for attempt in range(20):
        wrong = f"{attempt:09d}"
        path = f"/j/{wrong}" if attempt % 2 else None
        response = client.get(path) if path else client.post("/join", data={"code": wrong})
        assert response.status_code == 404
    refused = client.get(f"/j/{code}")
    assert refused.status_code == 429
    # The wait the student is told is the limit's own: ten minutes, not "a moment".
    assert "Probeer het over 10 minuten opnieuw." in refused.text
    assert client.get(f"/live/{code}").status_code == 429
    assert client.get(f"/live/{code}/state").status_code == 429
    assert client.post(f"/live/{code}/questions/1", data={"answer": "1"}).status_code == 429
    # Another address can still join.
    other = limited.test_client()
    assert other.get(f"/j/{code}", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 302


def test_right_codes_do_not_count_towards_the_limit(limited, live_run):
    _teacher, _run_id, code, _questions = live_run
    limited.config["JOIN_FAILURE_LIMIT"] = "20 per 10 minutes"
    client = limited.test_client()
    for _ in range(25):
        assert client.get(f"/j/{code}").status_code == 302


def test_a_joined_phone_keeps_its_live_pages_when_its_address_is_blocked(
    limited, live_run, student
):
    teacher, run_id, code, questions = live_run
    limited.config["JOIN_FAILURE_LIMIT"] = "3 per 10 minutes"
    phone = student()
    assert phone.join(code).status_code == 302
    guesser = limited.test_client()
    for attempt in range(3):
        assert guesser.get(f"/j/{attempt:09d}").status_code == 404
    assert guesser.get(f"/live/{code}").status_code == 429
    # The phone behind the same address joined before: its pages are not limited.
    teacher.client.post(f"/runs/{run_id}/questions/{questions[0]}/open")
    page = phone.page(code)
    assert page.status_code == 200
    assert "X-RateLimit-Limit" not in page.headers
    assert phone.client.get(f"/live/{code}/state").status_code == 200
    assert phone.answer(code, questions[0], "3").status_code == 303
    assert phone.client.get(f"/live/{code}/help").status_code in (200, 404)
    # Joining another code is still limited for it.
    assert phone.join(code).status_code == 429


def test_the_limiter_does_no_work_for_a_joined_phone_on_its_live_pages(
    limited, live_run, student, monkeypatch
):
    teacher, run_id, code, questions = live_run
    evaluated = []
    original = Limiter._check_request_limit

    def counting(self, *args, **kwargs):
        evaluated.append(request.endpoint)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Limiter, "_check_request_limit", counting)
    phone = student()
    assert phone.join(code).status_code == 302
    assert evaluated == ["student.join_link", "student.join_link"]
    teacher.client.post(f"/runs/{run_id}/questions/{questions[0]}/open")
    evaluated.clear()
    assert phone.page(code).status_code == 200
    assert phone.answer(code, questions[0], "3").status_code == 303
    assert phone.client.get(f"/live/{code}/state").status_code == 200
    assert evaluated == []
    # A visitor who did not join is still checked on the same pages.
    assert limited.test_client().get(f"/live/{code}").status_code == 302
    assert evaluated == ["student.live", "student.live"]
