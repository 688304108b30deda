"""Reset links: mailed on request or by the coordinator, single-use, never a login.

The mails here go to Flask-Mailman's in-memory outbox; tests/test_mail.py sends them
through a real SMTP server.
"""

import re
from datetime import timedelta

from conftest import PASSWORD, Staff

from classroom.accounts.models import PasswordReset, User
from classroom.extensions import db
from classroom.mail import wait_for_mails
from classroom.timeutil import now_utc

NEW_PASSWORD = "een nieuw lang wachtwoord"
LINK = re.compile(r"http://klas\.test(/auth/reset/[A-Za-z0-9_-]+)")


def outbox(app) -> list:
    wait_for_mails()
    return getattr(app.extensions["mailman"], "outbox", [])


def mailed_link(app, email) -> str:
    """The path of the newest reset link mailed to the address."""
    mails = [m for m in outbox(app) if m.to == [email]]
    assert mails, f"no mail to {email}"
    return LINK.search(mails[-1].body)[1]


def reset_link(app, coordinator, user_id) -> str:
    response = coordinator.client.post(f"/school/teachers/{user_id}/reset-mail")
    assert response.status_code == 303, response.text[:300]
    with app.app_context():
        email = db.session.get(User, user_id).email
    return mailed_link(app, email)


def test_the_login_page_leads_to_a_form_that_mails_a_link(client):
    client.post("/language", data={"language": "en"})
    login = client.get("/auth/login").text
    assert 'href="/auth/forgot"' in login
    page = client.get("/auth/forgot").text
    assert 'name="email"' in page and "Send me a link" in page
    empty = client.post("/auth/forgot", data={"email": ""})
    assert empty.status_code == 400
    not_an_address = client.post("/auth/forgot", data={"email": "geen adres"})
    assert not_an_address.status_code == 400
    assert "Type an e-mail address." in not_an_address.text


def test_a_teacher_sets_a_new_password_with_the_coordinators_link(app, coordinator, teacher):
    link = reset_link(app, coordinator, teacher.user["id"])
    other_browser = Staff(app.test_client(), teacher.user)
    other_browser.login()
    phone = app.test_client()
    assert teacher.user["email"] in phone.get(link).text
    response = phone.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert response.location == "/auth/login"
    assert phone.get("/runs/").status_code == 302  # the link logs nobody in
    # Every session ends (an old cookie stops working), the old password no longer works.
    assert other_browser.client.get("/runs/").status_code == 302
    assert teacher.client.get("/runs/").status_code == 302
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
    first = reset_link(app, coordinator, teacher.user["id"])
    second = reset_link(app, coordinator, teacher.user["id"])
    assert app.test_client().get(first).status_code == 410  # a newer link replaces it
    with app.app_context():
        for reset in db.session.scalars(db.select(PasswordReset)):
            reset.expires_at = now_utc() - timedelta(minutes=1)
        db.session.commit()
    assert app.test_client().get(second).status_code == 410
    third = reset_link(app, coordinator, teacher.user["id"])
    coordinator.client.post(f"/school/teachers/{teacher.user['id']}/deactivate")
    refused = app.test_client().post(
        third, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert refused.status_code == 410
    with app.app_context():
        assert db.session.get(User, teacher.user["id"]).check_password(PASSWORD)


def test_a_weak_password_is_refused_and_the_link_keeps_working(app, coordinator, teacher):
    link = reset_link(app, coordinator, teacher.user["id"])
    browser = app.test_client()
    response = browser.post(link, data={"password": "kort", "confirm": "kort"})
    assert response.status_code == 400
    response = browser.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303


def test_only_the_own_schools_coordinator_sends_links_and_only_the_hash_is_kept(
    app, coordinator, teacher, make_user
):
    foreign = Staff(app.test_client(), make_user("coordinator"))
    foreign.login()
    url = f"/school/teachers/{teacher.user['id']}/reset-mail"
    assert foreign.client.post(url).status_code == 404
    assert teacher.client.post(url).status_code == 403
    assert outbox(app) == []
    link = reset_link(app, coordinator, teacher.user["id"])
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalars(db.select(PasswordReset.token_hash)).all()
    assert stored and token not in stored


def test_the_coordinator_gets_no_link_in_page_headers_or_flash(app, coordinator, teacher):
    sent = coordinator.client.post(f"/school/teachers/{teacher.user['id']}/reset-mail")
    shown = coordinator.client.get(sent.location)  # with the flash: sent to the address
    assert teacher.user["email"] in shown.text
    token = mailed_link(app, teacher.user["email"]).rsplit("/", 1)[1]
    for response in (sent, shown):
        assert "/auth/reset/" not in response.text
        assert token not in str(response.headers) + response.text
    assert "copy-field" not in shown.text


def test_a_reset_ends_whoever_was_logged_in_in_that_browser(app, coordinator, teacher):
    link = reset_link(app, coordinator, teacher.user["id"])
    done = coordinator.client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.location == "/auth/login"
    assert coordinator.client.get("/school/teachers").status_code == 302  # logged out here
    assert Staff(app.test_client(), teacher.user).login(NEW_PASSWORD).status_code == 302


def test_forgot_password_mails_the_account_a_link_and_tells_nobody_whether_it_exists(app, teacher):
    known = app.test_client().post("/auth/forgot", data={"email": teacher.user["email"]})
    unknown = app.test_client().post("/auth/forgot", data={"email": "niemand@school.test"})
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token" value="[^"]*"')
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    link = mailed_link(app, teacher.user["email"])
    assert [m.to for m in outbox(app)] == [[teacher.user["email"]]]
    done = app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    notice = outbox(app)[-1]
    assert notice.to == [teacher.user["email"]] and not LINK.search(notice.body)


def test_forgot_password_is_limited_per_account_and_per_address(limited, make_user):
    user = make_user("teacher")
    limited.config.update(FORGOT_ACCOUNT_LIMIT="5 per hour", FORGOT_ADDRESS_LIMIT="20 per hour")
    for attempt in range(5):
        here = {"REMOTE_ADDR": f"10.0.0.{attempt + 1}"}  # from wherever: the account counts
        response = limited.test_client().post(
            "/auth/forgot", data={"email": user["email"]}, environ_base=here
        )
        assert response.status_code == 200
    refused = limited.test_client().post(
        "/auth/forgot",
        data={"email": user["email"].upper()},
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert refused.status_code == 429
    assert len(outbox(limited)) == 5
    # One address asking for many accounts is stopped after 20, whichever they are.
    spray = limited.test_client()
    for number in range(20):
        response = spray.post("/auth/forgot", data={"email": f"iemand{number}@school.test"})
        assert response.status_code == 200
    assert spray.post("/auth/forgot", data={"email": "nog-een@school.test"}).status_code == 429
    other = make_user("teacher")
    elsewhere = {"REMOTE_ADDR": "10.9.8.7"}
    assert (
        limited.test_client()
        .post("/auth/forgot", data={"email": other["email"]}, environ_base=elsewhere)
        .status_code
        == 200
    )
