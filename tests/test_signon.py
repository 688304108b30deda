"""School sign-on with OpenID Connect, against a real provider (tests/oidc/server.js)."""

import html
import re
import time
from urllib.parse import urlsplit

import pytest
import requests
from conftest import Staff
from signon_provider import (
    CALLBACK,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_CALLBACK,
    OTHER_CLIENT_ID,
    OTHER_CLIENT_SECRET,
    log_in_at_provider,
    provider_fixture,  # noqa: F401 - the session's `provider`
    start_provider,
)

from classroom.accounts.models import Invitation, User
from classroom.extensions import db
from classroom.signon.models import SignOn, SignOnIdentity
from classroom.signon.services import Settings, approve_domain, save_settings


@pytest.fixture
def school_a(app, make_school, provider):
    """School A with sign-on at the test provider for school-a.test; returns its id."""
    school_id = make_school("School A")
    configure(app, school_id, provider.url)
    return school_id


def configure(app, school_id, issuer, **changes):
    """Give the school sign-on, as the coordinator's page would, and approve its domain."""
    from classroom.accounts.models import School
    from classroom.signon.client import discover

    settings = Settings(
        issuer=issuer,
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        domains=["school-a.test"],
        provider_verifies_email=False,
        passwords_allowed=True,
    )
    for name, value in changes.items():
        setattr(settings, name, value)
    with app.app_context():
        discover(issuer)  # the provider is read before its settings are saved
        school = db.session.get(School, school_id)
        sign_on = save_settings(school, settings)
        for domain in sign_on.domain_list:
            approve_domain(domain, "operator", school)
        db.session.commit()


class Browser:
    """One person's browser: the app's test client and a cookie jar for the provider."""

    def __init__(self, app, provider, language="en"):
        self.client = app.test_client()
        self.client.post("/language", data={"language": language})
        self.provider = provider
        self.jar = requests.Session()

    def start(self, email):
        """Submit the e-mail address on the login page; return the app's answer."""
        return self.client.post("/signon/", data={"email": email})

    def to_provider(self, email, login_as=None):
        """Start signing on and log in at the provider; return the callback URL."""
        url = provider_link(self.start(email))
        assert url.startswith(self.provider.url + "/auth?")
        return log_in_at_provider(self.jar, self.provider.url, url, login_as or email)

    def sign_on(self, email, login_as=None):
        """The whole journey; returns the app's answer to the callback."""
        return self.client.get(self.to_provider(email, login_as))

    def dashboard(self):
        return self.client.get("/")


def provider_link(response):
    """The page after the address: it names the provider's host and links to its login page."""
    assert response.status_code == 200, response.text
    link = html.unescape(
        re.search(r'class="button primary signon-continue" href="([^"]+)"', response.text)[1]
    )
    host = urlsplit(link).netloc
    destination = html.unescape(re.search(r'class="signon-destination">([^<]*)<', response.text)[1])
    assert destination in (
        f"You are going to {host} to sign in for School A.",
        f"Je gaat naar {host} om in te loggen voor School A.",
    )
    return link


def teacher_in(app, make_user, school_id, email):
    return make_user("teacher", school_id=school_id, email=email)


def logged_in(browser):
    return browser.client.get("/lessons/").status_code == 200


def test_first_and_second_sign_on(app, provider, school_a, make_user):
    user = teacher_in(app, make_user, school_a, "teacher@school-a.test")
    browser = Browser(app, provider)
    response = browser.sign_on("teacher@school-a.test")
    assert response.status_code == 303
    assert logged_in(browser)
    with app.app_context():
        identity = db.session.scalar(db.select(SignOnIdentity))
        assert (identity.user_id, identity.subject) == (user["id"], "sub-teacher")
    # A second sign-on, in a new browser: found by subject, not linked again.
    again = Browser(app, provider)
    assert again.sign_on("TEACHER@school-a.test").status_code == 303
    assert logged_in(again)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SignOnIdentity)) == 1


def error_text(response):
    return re.search(r'class="signon-error" role="alert">([^<]*)<', response.text)[1]


def refusal(caplog) -> str:
    """Why the app refused the provider's answer, as it logged it."""
    return " ".join(r.getMessage() for r in caplog.records if "sign-on" in r.getMessage())


def test_a_wrong_state_is_refused(app, provider, school_a, make_user, caplog):
    teacher_in(app, make_user, school_a, "teacher@school-a.test")
    browser = Browser(app, provider)
    callback = browser.to_provider("teacher@school-a.test")
    forged = re.sub(r"state=[^&]+", "state=forged-state", callback)
    response = browser.client.get(forged)
    assert response.status_code == 400
    assert "could not be checked" in error_text(response)
    assert "mismatching_state" in refusal(caplog)
    assert not logged_in(browser)
    # The real answer cannot be used afterwards either: the attempt is over.
    assert browser.client.get(callback).status_code == 400
    assert not logged_in(browser)


def test_a_replayed_nonce_is_refused(app, provider, school_a, make_user, monkeypatch, caplog):
    """A real ID token from an earlier sign-on, replayed into a new one: its nonce is old."""
    from authlib.integrations.flask_client.apps import FlaskOAuth2App

    teacher_in(app, make_user, school_a, "teacher@school-a.test")
    real_fetch = FlaskOAuth2App.fetch_access_token
    issued = []

    def recording_fetch(self, *args, **kwargs):
        issued.append(real_fetch(self, *args, **kwargs))
        return issued[-1]

    monkeypatch.setattr(FlaskOAuth2App, "fetch_access_token", recording_fetch)
    first = Browser(app, provider)
    assert first.sign_on("teacher@school-a.test").status_code == 303
    monkeypatch.setattr(FlaskOAuth2App, "fetch_access_token", lambda *a, **k: dict(issued[0]))
    browser = Browser(app, provider)
    response = browser.sign_on("teacher@school-a.test")
    assert response.status_code == 400
    assert "InvalidClaimError" in refusal(caplog) and "nonce" in refusal(caplog)
    assert not logged_in(browser)


def test_a_replayed_answer_is_refused(app, provider, school_a, make_user, caplog):
    teacher_in(app, make_user, school_a, "teacher@school-a.test")
    browser = Browser(app, provider)
    first = browser.to_provider("teacher@school-a.test")
    second = browser.to_provider("teacher@school-a.test")
    # The first answer's code under the second attempt's state: PKCE makes the provider refuse.
    code = re.search(r"code=([^&]+)", first)[1]
    mixed = re.sub(r"code=[^&]+", f"code={code}", second)
    assert browser.client.get(mixed).status_code == 400
    assert "invalid_grant" in refusal(caplog)
    assert not logged_in(browser)
    # Replaying a callback that worked once does not log anyone in again.
    other = Browser(app, provider)
    callback = other.to_provider("teacher@school-a.test")
    assert other.client.get(callback).status_code == 303
    attacker = app.test_client()
    assert attacker.get(callback).status_code == 400
    assert attacker.get("/lessons/").status_code == 302


def test_a_token_for_another_audience_is_refused(
    app,
    provider,
    school_a,
    make_user,
    monkeypatch,
    caplog,
):
    """A real ID token, issued by the provider to another app, is handed to this app."""
    teacher_in(app, make_user, school_a, "teacher@school-a.test")
    browser = Browser(app, provider)
    callback = browser.to_provider("teacher@school-a.test")
    with browser.client.session_transaction() as session:
        nonce = next(v["data"]["nonce"] for k, v in session.items() if k.startswith("_state_"))
    other_token = token_for_other_app(provider, browser.jar, nonce)
    from authlib.integrations.flask_client.apps import FlaskOAuth2App

    monkeypatch.setattr(FlaskOAuth2App, "fetch_access_token", lambda *a, **k: other_token)
    response = browser.client.get(callback)
    assert response.status_code == 400
    # Authlib checks the authorised party (azp) against this app's client id, then `aud`.
    assert "'azp'" in refusal(caplog) or "'aud'" in refusal(caplog)
    assert not logged_in(browser)


def token_for_other_app(provider, jar, nonce):
    """Sign on to the provider's other client (with PKCE) and fetch its tokens."""
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    verifier = "v" * 64
    session = OAuth2Session(
        OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, scope="openid email profile",
        redirect_uri=OTHER_CALLBACK,
    )  # fmt: skip
    url, _state = session.create_authorization_url(
        f"{provider.url}/auth",
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    back = log_in_at_provider(jar, provider.url, url, "teacher@school-a.test")
    token = session.fetch_token(
        f"{provider.url}/token", authorization_response=back, code_verifier=verifier
    )
    return dict(token)


def test_an_expired_token_is_refused(app, provider, school_a, make_user, caplog):
    teacher_in(app, make_user, school_a, "teacher@school-a.test")
    browser = Browser(app, provider)
    callback = browser.to_provider("teacher@school-a.test")
    # The provider's clock is two hours behind: its ID token (valid 1 h) has long expired.
    provider.set_clock(-7200)
    try:
        response = browser.client.get(callback)
    finally:
        provider.set_clock(0)
    assert response.status_code == 400
    assert "ExpiredTokenError" in refusal(caplog)
    assert not logged_in(browser)


def test_an_unknown_signing_key_is_refused_and_a_new_key_is_fetched(
    app,
    provider,
    school_a,
    make_user,
    caplog,
):
    teacher_in(app, make_user, school_a, "teacher@school-a.test")
    provider.publish_keys("foreign")
    try:
        browser = Browser(app, provider)
        response = browser.sign_on("teacher@school-a.test")
        assert response.status_code == 400
        assert "InvalidKeyIdError" in refusal(caplog)
        assert not logged_in(browser)
    finally:
        provider.publish_keys("published")
    # The app still holds the foreign key set; the unknown key id makes it fetch the new one.
    browser = Browser(app, provider)
    assert browser.sign_on("teacher@school-a.test").status_code == 303
    assert logged_in(browser)


def test_an_unverified_email_is_refused_unless_the_provider_verifies(
    app,
    provider,
    school_a,
    make_user,
):
    teacher_in(app, make_user, school_a, "unverified@school-a.test")
    browser = Browser(app, provider)
    response = browser.sign_on("unverified@school-a.test")
    assert response.status_code == 403
    assert "did not confirm your e-mail address" in error_text(response)
    assert "Log in with a password" in response.text
    assert not logged_in(browser)
    configure(app, school_a, provider.url, provider_verifies_email=True)
    browser = Browser(app, provider)
    assert browser.sign_on("unverified@school-a.test").status_code == 303
    assert logged_in(browser)


def test_an_address_of_another_schools_domain_is_refused(app, provider, school_a, make_user):
    # School B's teacher exists, but signs on at school A's provider.
    school_b = app.test_client() and make_user("coordinator")["school_id"]
    teacher_in(app, make_user, school_b, "teacher@school-b.test")
    browser = Browser(app, provider)
    response = browser.sign_on("someone@school-a.test", login_as="teacher@school-b.test")
    assert response.status_code == 403
    assert "does not belong to your school" in error_text(response)
    assert not logged_in(browser)


def test_an_uninvited_teacher_is_refused(app, provider, school_a):
    browser = Browser(app, provider)
    response = browser.sign_on("new@school-a.test")
    assert response.status_code == 403
    assert "Ask your coordinator to invite you" in error_text(response)
    dutch = Browser(app, provider, language="nl").sign_on("new@school-a.test")
    assert "Vraag je coördinator om je uit te nodigen" in error_text(dutch)
    assert not logged_in(browser)
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == "new@school-a.test")) is None


def test_an_invitation_is_accepted_by_signing_on(app, provider, school_a):
    from classroom.accounts.models import School
    from classroom.accounts.services import create_invitation

    with app.app_context():
        create_invitation(db.session.get(School, school_a), "invited@school-a.test", "Invited")
        db.session.commit()
    browser = Browser(app, provider)
    assert browser.sign_on("invited@school-a.test").status_code == 303
    assert logged_in(browser)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "invited@school-a.test"))
        assert (user.school_id, user.role, user.name) == (school_a, "teacher", "Invited")
        assert db.session.scalar(db.select(Invitation)).used_at is not None


def test_a_deactivated_teacher_stays_out(app, provider, school_a, make_user):
    user = teacher_in(app, make_user, school_a, "gone@school-a.test")
    browser = Browser(app, provider)
    assert browser.sign_on("gone@school-a.test").status_code == 303
    coordinator = Staff(app.test_client(), make_user("coordinator", school_id=school_a))
    coordinator.login()
    coordinator.client.post(f"/school/teachers/{user['id']}/deactivate")
    # Deactivation ends the sign-on session, as it does a password session.
    assert not logged_in(browser)
    again = Browser(app, provider)
    response = again.sign_on("gone@school-a.test")
    assert response.status_code == 403
    assert "deactivated" in error_text(response)
    assert not logged_in(again)


def test_the_provider_down(app, make_school, make_user, tmp_path):
    school_id = make_school("School A")
    teacher_in(app, make_user, school_id, "teacher@school-a.test")
    own = start_provider(tmp_path, [CALLBACK])  # up when the coordinator saves, then down
    try:
        configure(app, school_id, own.url)
    finally:
        own.stop()
    client = app.test_client()
    client.post("/language", data={"language": "en"})
    response = client.post("/signon/", data={"email": "teacher@school-a.test"})
    assert response.status_code == 503
    assert "cannot be reached" in error_text(response)
    assert 'href="/auth/login"' in response.text  # the password route, since it is allowed
    with app.app_context():
        db.session.scalar(db.select(SignOn)).passwords_allowed = False
        db.session.commit()
    response = client.post("/signon/", data={"email": "teacher@school-a.test"})
    assert response.status_code == 503
    assert "Log in with a password" not in response.text


def test_the_provider_goes_down_during_sign_on(app, make_school, make_user, tmp_path):
    school_id = make_school("School A")
    teacher_in(app, make_user, school_id, "teacher@school-a.test")
    own = start_provider(tmp_path, [CALLBACK])  # a provider of its own, to stop
    try:
        configure(app, school_id, own.url)
        browser = Browser(app, own)
        callback = browser.to_provider("teacher@school-a.test")
    finally:
        own.stop()
    response = browser.client.get(callback)  # the code cannot be exchanged any more
    assert response.status_code == 503
    assert "cannot be reached" in error_text(response)
    assert not logged_in(browser)


def test_a_school_without_sign_on(app, provider, make_user):
    response = app.test_client().post("/signon/", data={"email": "someone@nowhere.test"})
    assert response.status_code == 404
    assert "kan niet worden ingelogd met een schoolaccount" in error_text(response)  # Dutch first
    english = app.test_client()
    english.post("/language", data={"language": "en"})
    response = english.post("/signon/", data={"email": "someone@nowhere.test"})
    assert "does not use sign-on" in error_text(response)
    assert app.test_client().post("/signon/", data={"email": "not an address"}).status_code == 400


def test_the_login_page_offers_sign_on_without_listing_schools(app, school_a):
    page = app.test_client().get("/auth/login").text
    assert "Inloggen met je schoolaccount" in page
    assert "School A" not in page and "school-a.test" not in page


def test_a_sign_on_session_follows_the_session_rules(app, provider, school_a, make_user):
    teacher_in(app, make_user, school_a, "teacher@school-a.test")
    browser = Browser(app, provider)
    with browser.client.session_transaction() as session:
        session["planted"] = "from before the login"
    browser.sign_on("teacher@school-a.test")
    with browser.client.session_transaction() as session:
        assert "planted" not in session  # a fresh session at sign-on
        session["seen_at"] = int(time.time()) - 3 * 3600
    response = browser.client.get("/lessons/")
    assert response.status_code == 302 and "/auth/login" in response.location  # idle time-out


def test_logout_ends_the_session_and_offers_the_providers_logout(
    app, provider, school_a, make_user
):
    teacher_in(app, make_user, school_a, "teacher@school-a.test")
    browser = Browser(app, provider)
    browser.sign_on("teacher@school-a.test")
    with browser.client.session_transaction() as session:
        copied = dict(session)
    response = browser.client.post("/auth/logout", follow_redirects=True)
    assert "Log out of your school account too" in response.text
    assert f'href="{provider.url}/session/end?client_id={CLIENT_ID}"' in response.text
    assert not logged_in(browser)
    with browser.client.session_transaction() as session:
        session.update(copied)  # a copied cookie no longer works
    assert not logged_in(browser)
    forged = app.test_client().get("/signon/logged-out?to=http://evil.test")
    assert forged.status_code == 200
    assert "Log out of your school account too" not in forged.text


def test_a_school_can_allow_sign_on_only(app, provider, school_a, make_user):
    teacher = Staff(
        app.test_client(), teacher_in(app, make_user, school_a, "teacher@school-a.test")
    )
    coordinator = Staff(app.test_client(), make_user("coordinator", school_id=school_a))
    assert teacher.login().status_code == 302
    configure(app, school_a, provider.url, passwords_allowed=False)
    refused = Staff(app.test_client(), teacher.user).login()
    assert refused.status_code == 403
    assert "alleen in met je schoolaccount" in refused.text
    assert coordinator.login().status_code == 302  # coordinators keep their password
    browser = Browser(app, provider)
    assert browser.sign_on("teacher@school-a.test").status_code == 303
    assert logged_in(browser)


def test_signing_on_cancelled_at_the_provider(app, provider, school_a, make_user, caplog):
    teacher_in(app, make_user, school_a, "teacher@school-a.test")
    browser = Browser(app, provider)
    callback = browser.to_provider("teacher@school-a.test")
    state = re.search(r"state=([^&]+)", callback)[1]
    response = browser.client.get(f"/signon/callback?error=access_denied&state={state}")
    assert response.status_code == 400
    assert "cancelled" in error_text(response)
    assert not logged_in(browser)
