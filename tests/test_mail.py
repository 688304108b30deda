"""Mail for real: invitations, reset links and notices reach an SMTP server the test starts."""

import logging
import re
import time

import pytest
from conftest import PASSWORD, Staff
from servers import self_signed_certificate
from smtp import LINK, SMTPServer, sending_to_smtp

from classroom.accounts.models import PasswordReset, User
from classroom.accounts.services import create_password_reset
from classroom.coordination.models import SettingChange
from classroom.extensions import db
from classroom.mail import init_app, wait_for_mails
from classroom.timeutil import now_utc

NEW_PASSWORD = "een nieuw lang wachtwoord"
SENDER = "Klasgesprek <klasgesprek@localhost>"


@pytest.fixture
def smtp(app):
    with sending_to_smtp(app) as server:
        yield server


def in_english(client):
    client.post("/language", data={"language": "en"})
    return client


def relative(link: str) -> str:
    assert link.startswith("http://klas.test/"), link  # absolute, to the app
    return link.removeprefix("http://klas.test")


def forgot(client, email):
    return client.post("/auth/forgot", data={"email": email})


def answer(response) -> tuple[int, str]:
    """Status and page, without the session's own CSRF token (of the language switch)."""
    return response.status_code, re.sub(r'name="csrf_token" value="[^"]*"', "", response.text)


def audit_lines(app):
    with app.app_context():
        return [
            (c.setting, c.user_id, c.new_value)
            for c in db.session.scalars(db.select(SettingChange).order_by(SettingChange.id))
        ]


def test_an_invitation_is_mailed_to_the_invited_address(app, smtp, coordinator):
    in_english(coordinator.client)
    response = coordinator.client.post(
        "/school/teachers/invite",
        data={"name": "Nieuwe Docent", "email": "Nieuw@Voorbeeldschool.nl"},
    )
    assert response.status_code == 201
    assert "The invitation has been mailed to nieuw@voorbeeldschool.nl." in response.text
    [mail] = smtp.inbox.to("nieuw@voorbeeldschool.nl")
    assert mail.message["From"] == SENDER
    assert mail.message["To"] == "nieuw@voorbeeldschool.nl"
    assert not mail.message.is_multipart()  # plain text, nothing to load or track
    assert mail.message.get_content_type() == "text/plain"
    # The invited teacher does not read the coordinator's language: the app's, Dutch.
    assert mail.subject == "Je uitnodiging voor Klasgesprek"
    assert "Nieuwe Docent" in mail.text
    path = relative(mail.link())
    invitee = app.test_client()
    assert "Nieuwe Docent" in invitee.get(path).text
    done = invitee.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303


def test_a_coordinators_reset_mail_reaches_the_teacher_and_shows_the_coordinator_nothing(
    app, smtp, coordinator, teacher
):
    run_id = teacher.start_run(teacher.class_id)
    in_english(coordinator.client)
    teachers_page = coordinator.client.get("/school/teachers")
    assert f"/school/teachers/{teacher.user['id']}/reset-mail" in teachers_page.text
    sent = coordinator.client.post(f"/school/teachers/{teacher.user['id']}/reset-mail")
    assert sent.status_code == 303
    after = coordinator.client.get(sent.location)
    assert f"A mail with a reset link has been sent to {teacher.user['email']}." in after.text

    [mail] = smtp.inbox.to(teacher.user["email"])
    link = mail.link()
    token = link.rsplit("/", 1)[1]
    assert "coördinator van je school" in mail.text  # Dutch, the teacher's default
    # Nothing the coordinator's browser got holds the link: not the page, headers or cookie.
    serializer = app.session_interface.get_signing_serializer(app)
    for response in (sent, after):
        assert token not in response.text and "/auth/reset/" not in response.text
        assert token not in str(response.headers)
    session = serializer.loads(coordinator.client.get_cookie("session", domain="klas.test").value)
    assert token not in str(session) and "/auth/reset/" not in str(session)
    # So the coordinator cannot take over the teacher's account or see the teacher's lessons.
    assert coordinator.client.get(f"/runs/{run_id}").status_code in (403, 404)
    assert coordinator.client.get("/auth/reset/" + "A" * 43).status_code == 404
    assert teacher.client.get("/runs/").status_code == 200  # sending changed nothing yet

    # The school's audit list names the account, never the link.
    [line] = audit_lines(app)
    assert line[:2] == ("password_reset_sent", coordinator.user["id"])
    assert teacher.user["email"] in line[2] and token not in line[2]
    assert "Reset mail sent to" in coordinator.client.get("/school/settings").text

    # Only the teacher, with the mail, sets a new password.
    teachers_browser = app.test_client()
    done = teachers_browser.post(
        relative(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 303 and done.location.endswith("/auth/login")
    assert Staff(app.test_client(), teacher.user).login(NEW_PASSWORD).status_code == 302


def test_forgot_password_mails_a_link_that_sets_a_password_and_logs_nobody_in(app, smtp, teacher):
    elsewhere = Staff(app.test_client(), teacher.user)
    assert elsewhere.login().status_code == 302
    browser = in_english(app.test_client())
    login = browser.get("/auth/login").text
    assert 'href="/auth/forgot"' in login
    asked = forgot(browser, teacher.user["email"].upper())
    assert asked.status_code == 200
    assert "a mail with a link to choose a new password is on its way" in asked.text

    [mail] = smtp.inbox.wait_for(teacher.user["email"])
    assert mail.subject == "Choose a new password for Klasgesprek"  # the page's language
    assert "It works once and for 24 hours" in mail.text
    path = relative(mail.link())
    assert teacher.user["email"] in browser.get(path).text
    done = browser.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert done.location.endswith("/auth/login")
    page = browser.get(done.location)
    assert "Your password has been changed. Log in with your new password." in page.text
    # Nobody is logged in by the link; every session of the account has ended.
    assert browser.get("/runs/").status_code == 302
    assert teacher.client.get("/runs/").status_code == 302
    assert elsewhere.client.get("/runs/").status_code == 302
    assert Staff(app.test_client(), teacher.user).login(PASSWORD).status_code == 401
    assert Staff(app.test_client(), teacher.user).login(NEW_PASSWORD).status_code == 302
    # The link works once.
    again = app.test_client().post(path, data={"password": "x" * 12, "confirm": "x" * 12})
    assert again.status_code == 410

    # The owner hears that the password changed.
    notice = smtp.inbox.wait_for(teacher.user["email"], 2)[1]
    assert notice.subject == "Your Klasgesprek password has been changed"
    assert not LINK.search(notice.text)
    # The audit list: asked by the teacher, used by the teacher, named by account only.
    lines = audit_lines(app)
    assert [(s, u) for s, u, _v in lines] == [
        ("password_reset_sent", teacher.user["id"]),
        ("password_reset_used", teacher.user["id"]),
    ]
    assert all(teacher.user["email"] in value for _s, _u, value in lines)
    settings = in_english(teacher.client)
    Staff(settings, teacher.user).login(NEW_PASSWORD)
    listed = settings.get("/school/settings").text
    assert "New password set with a reset link for" in listed
    assert path not in listed


def test_an_unknown_or_deactivated_address_gets_the_same_answer_and_no_mail(app, smtp, make_user):
    known = make_user("teacher")
    switched_off = make_user("teacher")
    with app.app_context():
        db.session.get(User, switched_off["id"]).active = False
        db.session.commit()
    answers = []
    for email in (known["email"], switched_off["email"], "niemand@nergens.test"):
        response = forgot(app.test_client(), email)
        answers.append(answer(response))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200
    wait_for_mails()
    assert [d.recipients for d in smtp.inbox.delivered] == [[known["email"]]]
    with app.app_context():
        assert [r.user_id for r in db.session.scalars(db.select(PasswordReset))] == [known["id"]]


def test_the_answer_does_not_wait_for_the_mail(app, smtp, teacher):
    smtp.inbox.delay = 2.0  # a slow mail server
    started = time.monotonic()
    response = forgot(app.test_client(), teacher.user["email"])
    answered_after = time.monotonic() - started
    assert response.status_code == 200
    assert answered_after < 1.5
    assert smtp.inbox.to(teacher.user["email"]) == []  # still on its way
    smtp.inbox.wait_for(teacher.user["email"])


def sign_on_only(app, school_id):
    """The school lets its teachers log in with their school account only."""
    from classroom.signon.models import SignOn, SignOnDomain

    with app.app_context():
        sign_on = SignOn(
            school_id=school_id,
            issuer="https://login.example.test",
            client_id="klasgesprek",
            secret_encrypted="-",
            passwords_allowed=False,
            verified_at=now_utc(),
        )
        sign_on.claims = [SignOnDomain(domain="school.test", approved_at=now_utc())]
        db.session.add(sign_on)
        db.session.commit()


def test_where_the_school_allows_sign_on_only_no_reset_is_made_or_mailed(
    app, smtp, coordinator, teacher
):
    with app.app_context():
        token = create_password_reset(db.session.get(User, teacher.user["id"]))
        db.session.commit()
    sign_on_only(app, teacher.user["school_id"])
    # A link made before the school switched passwords off no longer works.
    browser = in_english(app.test_client())
    refused = browser.get(f"/auth/reset/{token}")
    assert refused.status_code == 403
    assert "log in with your school account only" in refused.text
    posted = browser.post(
        f"/auth/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert posted.status_code == 403
    # The coordinator cannot have one sent.
    in_english(coordinator.client)
    sent = coordinator.client.post(f"/school/teachers/{teacher.user['id']}/reset-mail")
    assert sent.status_code == 409
    assert "logs in with the school account only" in sent.text
    # "Forgot your password?" answers as ever, and mails the way in instead of a link.
    other = forgot(app.test_client(), "niemand@school.test")
    asked = forgot(app.test_client(), teacher.user["email"])
    assert answer(asked) == answer(other)
    [mail] = smtp.inbox.wait_for(teacher.user["email"])
    assert not LINK.search(mail.text)
    assert "http://klas.test/auth/login" in mail.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PasswordReset.id))) == 1
        assert db.session.get(User, teacher.user["id"]).check_password(PASSWORD)
    assert audit_lines(app) == []
    assert len(smtp.inbox.delivered) == 1


def test_changing_the_password_mails_a_notice(app, smtp, teacher):
    changed = teacher.client.post(
        "/auth/password",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    [notice] = smtp.inbox.wait_for(teacher.user["email"])
    assert notice.subject == "Je Klasgesprek-wachtwoord is gewijzigd"
    assert "http://klas.test/auth/forgot" in notice.text
    assert teacher.client.get("/runs/").status_code == 200  # this session stays


def test_a_mail_server_that_is_away_is_said_and_changes_nothing_for_the_asker(
    app, coordinator, teacher, caplog
):
    from servers import free_port

    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    init_app(app)
    in_english(coordinator.client)
    with caplog.at_level(logging.ERROR):
        sent = coordinator.client.post(f"/school/teachers/{teacher.user['id']}/reset-mail")
        invited = coordinator.client.post(
            "/school/teachers/invite", data={"name": "Nieuw", "email": "nieuw@voorbeeldschool.nl"}
        )
        asked = forgot(app.test_client(), teacher.user["email"])
        wait_for_mails()
    assert sent.status_code == 503
    assert "could not be sent" in sent.text and "/auth/reset/" not in sent.text
    # An invitation's link may be passed on by hand: it makes a new account, takes none over.
    assert invited.status_code == 201
    assert "could not be mailed" in invited.text and "/auth/invite/" in invited.text
    assert asked.status_code == 200
    assert answer(forgot(app.test_client(), "niemand@school.test")) == answer(asked)
    assert caplog.text.count("A mail could not be sent") == 3


def _certificate(folder):
    """A self-signed certificate for 127.0.0.1: the key file and the certificate file."""
    key_pem, cert_pem = self_signed_certificate()
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(key_pem)
    cert_path.write_bytes(cert_pem)
    return key_path, cert_path


@pytest.mark.parametrize("trusted", [True, False])
def test_starttls_and_login_reach_a_server_whose_certificate_is_trusted_only(
    app, coordinator, teacher, tmp_path, monkeypatch, trusted
):
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    key_path, cert_path = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    logins = []

    def authenticator(_server, _session, _envelope, _mechanism, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"app", b"s3cret")
        logins.append(ok)
        return AuthResult(success=ok)

    if trusted:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    with SMTPServer(
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    ) as server:
        app.config.update(
            MAIL_BACKEND="smtp",
            MAIL_USE_TLS=True,
            MAIL_USERNAME="app",
            MAIL_PASSWORD="s3cret",
            **server.settings(),
        )
        init_app(app)
        sent = coordinator.client.post(f"/school/teachers/{teacher.user['id']}/reset-mail")
    if trusted:
        assert sent.status_code == 303
        assert logins == [True]
        [mail] = server.inbox.to(teacher.user["email"])
        assert LINK.search(mail.text)
    else:
        # Whoever answers with a certificate nobody vouches for gets no password and no link.
        assert sent.status_code == 503
        assert logins == [] and server.inbox.delivered == []


def test_make_run_prints_mails_on_the_console(app, coordinator, capsys):
    app.config["MAIL_BACKEND"] = "console"  # as the Makefile's run target sets it
    init_app(app)
    invited = coordinator.client.post(
        "/school/teachers/invite", data={"name": "Nieuw", "email": "nieuw@voorbeeldschool.nl"}
    )
    assert invited.status_code == 201
    printed = capsys.readouterr().out
    assert "To: nieuw@voorbeeldschool.nl" in printed
    assert LINK.search(printed)


def test_the_makefile_run_target_sends_mail_to_the_console(monkeypatch):
    """`make run` sets the console backend through the environment, as docs/mail.md says."""
    from pathlib import Path

    from conftest import make_test_app

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*?\n((?:\t.*\n|.*\\\n)+)", makefile, re.M)[1]
    settings = dict(re.findall(r"\b(FLASK_[A-Z_]+)=(\S+)", recipe))
    assert settings.get("FLASK_MAIL_BACKEND") == "console", recipe
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    assert make_test_app(TESTING=False).config["MAIL_BACKEND"] == "console"


@pytest.mark.parametrize(
    ("settings", "backend"),
    [
        ({"TESTING": False, "DEBUG": True}, "console"),
        ({"TESTING": True}, "locmem"),
        ({"TESTING": False, "MAIL_SERVER": "mail.example.test"}, "classroom.mail.SMTPEmailBackend"),
        ({"TESTING": False}, "classroom.mail.SMTPEmailBackend"),
    ],
)
def test_the_backend_follows_the_settings(settings, backend):
    from conftest import make_test_app

    assert make_test_app(**settings).config["MAIL_BACKEND"] == backend


def test_a_forged_host_gets_no_mail_where_trusted_hosts_are_set(app, smtp, teacher):
    app.config["TRUSTED_HOSTS"] = ["klas.test"]
    forged = app.test_client().post(
        "/auth/forgot",
        data={"email": teacher.user["email"]},
        headers={"Host": "evil.example"},
    )
    assert forged.status_code == 400
    wait_for_mails()
    assert smtp.inbox.delivered == []
    assert forgot(app.test_client(), teacher.user["email"]).status_code == 200
    assert smtp.inbox.wait_for(teacher.user["email"])[0].link().startswith("http://klas.test/")
