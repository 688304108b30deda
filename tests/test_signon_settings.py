"""The coordinator's sign-on page: provider, encrypted secret, domains, passwords.

The issuer is a real HTTP server on 127.0.0.1 (tests/signon_servers.py): saving reads its
discovery document, and the tests allow private issuers (conftest).
"""

import pytest
from conftest import Staff

from classroom.extensions import db
from classroom.signon.crypto import decrypt
from classroom.signon.models import SignOn

FORM = {
    "client_id": "klasgesprek-app",
    "client_secret": "very-secret-value-123",
    "domains": "School-A.test\n@staff.school-a.test",
    "passwords_allowed": "y",
}


@pytest.fixture
def form(issuer):
    """The settings as a coordinator fills them in, with the issuer's URL (and a slash)."""
    return {**FORM, "issuer": issuer.url + "/"}


def stored(app):
    with app.app_context():
        sign_on = db.session.scalar(db.select(SignOn))
        if sign_on is None:
            return None
        return {
            "issuer": sign_on.issuer,
            "client_id": sign_on.client_id,
            "secret_encrypted": sign_on.secret_encrypted,
            "secret": decrypt(sign_on.secret_encrypted),
            "domains": sign_on.domain_list,
            "approved": sign_on.approved_domains,
            "passwords_allowed": sign_on.passwords_allowed,
            "provider_verifies_email": sign_on.provider_verifies_email,
        }


def test_the_page_shows_what_to_register(coordinator):
    page = coordinator.client.get("/school/sign-on")
    assert page.status_code == 200
    assert "http://klas.test/signon/callback" in page.text
    assert "openid email profile" in page.text
    assert 'href="/school/sign-on"' in coordinator.client.get("/school/").text  # in the nav


def test_saving_encrypts_the_secret_and_never_shows_it(app, coordinator, issuer, form):
    response = coordinator.client.post("/school/sign-on", data=form)
    assert response.status_code == 303
    saved = stored(app)
    assert saved["issuer"] == issuer.url
    assert saved["domains"] == ["school-a.test", "staff.school-a.test"]
    assert saved["secret"] == FORM["client_secret"]
    assert FORM["client_secret"] not in saved["secret_encrypted"]
    page = coordinator.client.get("/school/sign-on").text
    assert FORM["client_secret"] not in page
    assert saved["secret_encrypted"] not in page
    assert "school-a.test" in page
    # Saving again without a secret keeps the stored one.
    changed = {**form, "client_secret": "", "client_id": "renamed"}
    assert coordinator.client.post("/school/sign-on", data=changed).status_code == 303
    assert stored(app)["secret"] == FORM["client_secret"]
    assert stored(app)["client_id"] == "renamed"


def test_the_key_comes_from_the_configuration(app, coordinator, form):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key()
    app.config["SIGNON_ENCRYPTION_KEY"] = key
    coordinator.client.post("/school/sign-on", data=form)
    secret = Fernet(key).decrypt(stored(app)["secret_encrypted"].encode()).decode()
    assert secret == FORM["client_secret"]
    assert "encryption key has changed" not in coordinator.client.get("/school/sign-on").text
    # With another key the secret cannot be read: the coordinator is asked to enter it again.
    app.config["SIGNON_ENCRYPTION_KEY"] = Fernet.generate_key()
    coordinator.client.post("/language", data={"language": "en"})
    assert "encryption key has changed" in coordinator.client.get("/school/sign-on").text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuer": "http://login.example.test"}, "issuer"),
        ({"issuer": "ftp://x"}, "issuer"),
        ({"issuer": "https://login.example.test:99999"}, "issuer"),
        ({"issuer": "https://[::1"}, "issuer"),
        ({"issuer": ""}, "issuer"),
        ({"domains": "not a domain!"}, "domains"),
        ({"client_id": ""}, "client_id"),
        ({"client_secret": ""}, "client_secret"),
    ],
)
def test_bad_settings_are_refused(app, coordinator, form, issuer, changes, field):
    if field == "issuer":
        app.config["SIGNON_ALLOW_PRIVATE_ISSUERS"] = False  # as in production: https only
    response = coordinator.client.post("/school/sign-on", data={**form, **changes})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert stored(app) is None
    assert issuer.requests == []


def test_a_domain_approved_for_another_school_is_refused(app, runner, coordinator, make_user, form):
    other = Staff(app.test_client(), make_user("coordinator"))
    other.login()
    assert other.client.post("/school/sign-on", data=form).status_code == 303
    assert runner.invoke(args=["signon", "approve-domain", "school-a.test"]).exit_code == 0
    response = coordinator.client.post("/school/sign-on", data={**form, "domains": "school-a.test"})
    assert response.status_code == 409
    assert (
        "Een andere school of een gemeente gebruikt deze domeinen al: school-a.test"
        in response.text
    )
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SignOn)) == 1


def test_a_provider_on_this_machine_may_use_http_when_allowed(app, coordinator, issuer, form):
    assert coordinator.client.post("/school/sign-on", data=form).status_code == 303
    assert stored(app)["issuer"] == issuer.url
    assert issuer.url.startswith("http://127.0.0.1:")


def test_switching_sign_on_off(app, coordinator, form):
    coordinator.client.post("/school/sign-on", data=form)
    assert coordinator.client.post("/school/sign-on/remove").status_code == 303
    assert stored(app) is None
    assert "Inloggen met schoolaccount staat uit" in coordinator.client.get("/school/sign-on").text


def test_teachers_cannot_open_the_page(app, teacher, form, issuer):
    assert teacher.client.get("/school/sign-on").status_code == 403
    assert teacher.client.post("/school/sign-on", data=form).status_code == 403
    assert teacher.client.post("/school/sign-on/check-domains").status_code == 403
    assert stored(app) is None
    assert issuer.requests == []


def test_the_command_configures_a_school(app, runner, issuer):
    result = runner.invoke(
        args=[
            "signon", "configure", "--school", "Demoschool", "--issuer", issuer.url + "/",
            "--client-id", "klasgesprek", "--domain", "demo.klasgesprek.nl", "--no-passwords",
        ],
        env={"KLASGESPREK_CLIENT_SECRET": "demo-client-secret"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert issuer.requests  # the discovery document was read
    saved = stored(app)
    assert saved["issuer"] == issuer.url
    assert saved["approved"] == ["demo.klasgesprek.nl"]  # the operator approves by configuring
    assert saved["secret"] == "demo-client-secret"
    assert saved["domains"] == ["demo.klasgesprek.nl"]
    assert saved["passwords_allowed"] is False


def test_in_english_and_in_dutch(coordinator):
    assert "Inloggen met schoolaccounts" in coordinator.client.get("/school/sign-on").text
    coordinator.client.post("/language", data={"language": "en"})
    assert "Sign-on with school accounts" in coordinator.client.get("/school/sign-on").text


@pytest.mark.parametrize(
    ("wrong", "exit_code"),
    [
        (["--domain", "not a domain"], 2),
        (["--domain", "gmail.com"], 2),
        (["--issuer", "http://login.example.test"], 2),
        (["--issuer", "https://127.0.0.1:9"], 1),  # private: refused before connecting
    ],
)
def test_the_command_refuses_bad_settings(app, runner, wrong, exit_code):
    app.config["SIGNON_ALLOW_PRIVATE_ISSUERS"] = False
    arguments = {"--issuer": "https://login.example.test", "--domain": "school.test"}
    arguments[wrong[0]] = wrong[1]
    result = runner.invoke(
        args=["signon", "configure", "--school", "S", "--client-id", "c"]
        + [part for pair in arguments.items() for part in pair],
        env={"KLASGESPREK_CLIENT_SECRET": "secret"},
    )
    assert result.exit_code == exit_code, result.output
    assert stored(app) is None
