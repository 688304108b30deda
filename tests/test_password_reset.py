"""Forgot password: the coordinator makes a single-use reset link; the teacher sets a new one."""

import re
from datetime import timedelta

import pytest
from conftest import PASSWORD, Staff

from classroom.accounts.models import PasswordReset, User
from classroom.extensions import db
from classroom.timeutil import now_utc

NEW_PASSWORD = "een nieuw lang wachtwoord"


@pytest.fixture
def coordinator(app, make_user, teacher):
    staff = Staff(app.test_client(), make_user("coordinator", school_id=teacher.user["school_id"]))
    assert staff.login().status_code == 302
    return staff


def reset_link(coordinator, user_id) -> str:
    response = coordinator.client.post(f"/school/teachers/{user_id}/reset-link")
    assert response.status_code == 201, response.text[:300]
    return re.search(r'value="(https?://[^"]+/auth/reset/[^"]+)"', response.text)[1]


def test_the_login_page_says_what_to_do_without_a_password(client):
    login = client.get("/auth/login").text
    assert 'href="/auth/forgot"' in login
    page = client.get("/auth/forgot").text
    assert "Vraag de coördinator van je school om een herstellink" in page


def test_a_teacher_sets_a_new_password_with_the_coordinators_link(app, coordinator, teacher):
    link = reset_link(coordinator, teacher.user["id"])
    other_browser = Staff(app.test_client(), teacher.user)
    other_browser.login()
    phone = app.test_client()
    assert teacher.user["email"] in phone.get(link).text
    response = phone.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert phone.get("/runs/").status_code == 200  # logged in with the new password set
    # Every other session ends, the old password no longer works, the new one does.
    assert other_browser.client.get("/runs/").status_code == 302
    assert teacher.login(PASSWORD).status_code == 401
    assert teacher.login(NEW_PASSWORD).status_code == 302
    # The link works once.
    again = app.test_client().post(link, data={"password": "x" * 12, "confirm": "x" * 12})
    assert again.status_code == 410
    assert "Vraag je coördinator om een nieuwe" in again.text


def test_a_reset_link_is_refused_when_unknown_expired_replaced_or_deactivated(
    app, coordinator, teacher
):
    assert app.test_client().get("/auth/reset/not-a-token").status_code == 404
    first = reset_link(coordinator, teacher.user["id"])
    second = reset_link(coordinator, teacher.user["id"])
    assert app.test_client().get(first).status_code == 410  # a newer link replaces it
    with app.app_context():
        for reset in db.session.scalars(db.select(PasswordReset)):
            reset.expires_at = now_utc() - timedelta(minutes=1)
        db.session.commit()
    assert app.test_client().get(second).status_code == 410
    third = reset_link(coordinator, teacher.user["id"])
    coordinator.client.post(f"/school/teachers/{teacher.user['id']}/deactivate")
    refused = app.test_client().post(
        third, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert refused.status_code == 410
    with app.app_context():
        assert db.session.get(User, teacher.user["id"]).check_password(PASSWORD)


def test_a_weak_password_is_refused_and_the_link_keeps_working(app, coordinator, teacher):
    link = reset_link(coordinator, teacher.user["id"])
    browser = app.test_client()
    response = browser.post(link, data={"password": "kort", "confirm": "kort"})
    assert response.status_code == 400
    response = browser.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303


def test_only_the_own_schools_coordinator_makes_links_and_only_the_hash_is_kept(
    app, coordinator, teacher, make_user
):
    foreign = Staff(app.test_client(), make_user("coordinator"))
    foreign.login()
    assert (
        foreign.client.post(f"/school/teachers/{teacher.user['id']}/reset-link").status_code == 404
    )
    assert (
        teacher.client.post(f"/school/teachers/{teacher.user['id']}/reset-link").status_code == 403
    )
    link = reset_link(coordinator, teacher.user["id"])
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalars(db.select(PasswordReset.token_hash)).all()
    assert stored and token not in stored
