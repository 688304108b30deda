import pytest
from conftest import PASSWORD, Staff

from classroom.accounts.models import User
from classroom.extensions import db


def test_login_with_the_right_password_opens_the_dashboard(app, make_user):
    user = make_user("teacher")
    staff = Staff(app.test_client(), user)
    response = staff.login()
    assert response.status_code == 302
    page = staff.client.get("/")
    assert "Welkom, Test teacher" in page.text


def test_login_is_case_insensitive_for_the_email(app, make_user):
    user = make_user("teacher", email="Mixed.Case@school.test")
    staff = Staff(app.test_client(), {**user, "email": "MIXED.case@School.test"})
    assert staff.login().status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_clear_message(app, make_user):
    user = make_user("teacher")
    client = app.test_client()
    wrong = client.post("/auth/login", data={"email": user["email"], "password": "nope nope"})
    unknown = client.post("/auth/login", data={"email": "x@y.test", "password": PASSWORD})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "E-mailadres of wachtwoord klopt niet." in response.text
    assert client.get("/lessons/").status_code == 302


def test_an_empty_login_form_is_a_400_with_the_form_again(client):
    response = client.post("/auth/login", data={})
    assert response.status_code == 400
    assert 'name="password"' in response.text


def test_a_deactivated_account_cannot_log_in(app, make_user):
    user = make_user("teacher")
    with app.app_context():
        db.session.get(User, user["id"]).active = False
        db.session.commit()
    assert Staff(app.test_client(), user).login().status_code == 401


def test_logout_is_a_post_and_ends_the_session(teacher):
    assert teacher.client.get("/auth/logout").status_code == 405
    assert teacher.client.post("/auth/logout").status_code == 302
    assert teacher.client.get("/lessons/").status_code == 302


def test_login_follows_next_only_within_the_site(app, make_user):
    user = make_user("teacher")
    client = app.test_client()
    data = {"email": user["email"], "password": PASSWORD}
    inside = client.post("/auth/login?next=/lessons/", data=data)
    assert inside.location.endswith("/lessons/")
    client.post("/auth/logout")
    outside = client.post("/auth/login?next=//evil.test/x", data=data)
    assert "evil" not in outside.location


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/",
        "/%0A/evil.example/",
        "/%0D%0A/evil.example/",
        "/%5C/evil.example/",
        "/%20/evil.example/",
        "/%E2%80%A8/evil.example/",
        "https://evil.example/",
        "/\\evil.example/",
        "///evil.example/",
    ],
)
def test_login_never_redirects_off_the_site(app, make_user, target):
    user = make_user("teacher")
    client = app.test_client()
    data = {"email": user["email"], "password": PASSWORD}
    response = client.post(f"/auth/login?next={target}", data=data)
    assert response.status_code == 302
    assert response.location == "/"


def _login(client, email, password, address):
    data = {"email": email, "password": password}
    return client.post("/auth/login", data=data, environ_base={"REMOTE_ADDR": address})


def test_nobody_elsewhere_can_lock_a_teacher_out(limited, make_user):
    user = make_user("teacher")
    attacker = limited.test_client()
    for _ in range(12):
        _login(attacker, user["email"], "wrong password", "203.0.113.9")
    assert _login(attacker, user["email"], PASSWORD, "203.0.113.9").status_code == 429
    teacher = limited.test_client()
    assert _login(teacher, user["email"], PASSWORD, "198.51.100.20").status_code == 302


def test_one_address_cannot_spray_passwords_across_accounts(limited, make_user):
    users = [make_user("teacher") for _ in range(31)]
    sprayer = limited.test_client()
    statuses = [_login(sprayer, u["email"], "Welkom01!", "203.0.113.9").status_code for u in users]
    assert statuses[:30] == [401] * 30
    assert statuses[30] == 429
    # Other addresses log in as usual.
    assert _login(limited.test_client(), users[0]["email"], PASSWORD, "10.0.0.1").status_code == 302


def test_unknown_deactivated_and_active_accounts_take_one_hash_check_each(
    app, make_user, monkeypatch
):
    import werkzeug.security

    from classroom.accounts import models, views

    checks = []
    real = werkzeug.security.check_password_hash

    def counting(hash_value, password):
        checks.append(hash_value)
        return real(hash_value, password)

    monkeypatch.setattr(models, "check_password_hash", counting)
    monkeypatch.setattr(views, "check_password_hash", counting)
    active = make_user("teacher")
    deactivated = make_user("teacher")
    with app.app_context():
        db.session.get(User, deactivated["id"]).active = False
        db.session.commit()
    for email in (active["email"], deactivated["email"], "nobody@school.test"):
        checks.clear()
        response = app.test_client().post(
            "/auth/login", data={"email": email, "password": "wrong password"}
        )
        assert response.status_code == 401
        assert len(checks) == 1, email


def test_a_new_session_token_logs_out_every_copy_of_the_cookie(app, teacher):
    assert teacher.client.get("/lessons/").status_code == 200
    with app.app_context():
        from classroom.accounts.models import new_session_token

        db.session.get(User, teacher.user["id"]).session_token = new_session_token()
        db.session.commit()
    assert teacher.client.get("/lessons/").status_code == 302


def test_users_create_command_makes_an_account_that_can_log_in(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "new@school.test", "--name", "Nieuw",
              "--role", "coordinator", "--school", "Het Lyceum", "--password", "a long password"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created coordinator new@school.test in Het Lyceum." in result.output
    staff = Staff(app.test_client(), {"email": "new@school.test"})
    assert staff.login("a long password").status_code == 302


def test_users_create_refuses_a_short_password_and_a_duplicate(app, runner, make_user):
    args = ["users", "create", "--name", "X", "--role", "teacher", "--school", "S"]
    short = runner.invoke(args=[*args, "--email", "a@s.test", "--password", "short"])
    assert short.exit_code != 0
    assert "Use at least 8 characters." in short.output
    existing = make_user("teacher")
    duplicate = runner.invoke(
        args=[*args, "--email", existing["email"], "--password", "longenough"]
    )
    assert duplicate.exit_code != 0
    assert "already exists" in duplicate.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_demo_command_refuses_outside_debug_mode_without_the_flag(app, runner, monkeypatch):
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code != 0
    assert "--i-know-this-is-not-a-server" in refused.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
    monkeypatch.setenv("FLASK_DEBUG", "1")  # as `flask --debug demo` does
    loaded = runner.invoke(args=["demo"])
    assert loaded.exit_code == 0, loaded.output


def test_demo_command_is_idempotent_and_prints_the_logins(app, runner):
    first = runner.invoke(args=["demo", "--i-know-this-is-not-a-server"])
    second = runner.invoke(args=["demo", "--i-know-this-is-not-a-server"])
    assert first.exit_code == second.exit_code == 0
    assert "docent@demo.klasgesprek.nl" in first.output
    assert "demo-wachtwoord" in first.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 3
    staff = Staff(app.test_client(), {"email": "docent@demo.klasgesprek.nl"})
    assert staff.login("demo-wachtwoord").status_code == 302
    assert "3 HAVO B" in staff.client.get("/").text


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, make_user):
    user = make_user("teacher")
    here, elsewhere = Staff(app.test_client(), user), Staff(app.test_client(), user)
    here.login()
    elsewhere.login()
    wrong = here.client.post(
        "/auth/password",
        data={"current": "not it", "password": "nieuw wachtwoord", "confirm": "nieuw wachtwoord"},
    )
    assert wrong.status_code == 400
    assert "Het huidige wachtwoord klopt niet." in wrong.text
    mismatch = here.client.post(
        "/auth/password", data={"current": PASSWORD, "password": "nieuw wachtwoord", "confirm": "x"}
    )
    assert mismatch.status_code == 400
    short = here.client.post(
        "/auth/password", data={"current": PASSWORD, "password": "kort", "confirm": "kort"}
    )
    assert "Gebruik minstens 8 tekens." in short.text
    done = here.client.post(
        "/auth/password",
        data={"current": PASSWORD, "password": "nieuw wachtwoord", "confirm": "nieuw wachtwoord"},
    )
    assert done.status_code == 303
    assert here.client.get("/lessons/").status_code == 200
    assert elsewhere.client.get("/lessons/").status_code == 302
    assert Staff(app.test_client(), user).login().status_code == 401
    assert Staff(app.test_client(), user).login("nieuw wachtwoord").status_code == 302
