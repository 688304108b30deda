"""School sign-on with OpenID Connect, against a real provider (tests/oidc/server.js)."""

import pytest
import requests
from signon_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    log_in_at_provider,
    provider,  # noqa: F401 - the session's provider fixture
)

from classroom.extensions import db
from classroom.signon.models import SignOnIdentity
from classroom.signon.services import Settings, save_settings


@pytest.fixture
def school_a(app, make_school, provider):  # noqa: F811
    """School A with sign-on at the test provider for school-a.test; returns its id."""
    school_id = make_school("School A")
    configure(app, school_id, provider.url)
    return school_id


def configure(app, school_id, issuer, **changes):
    """Give the school sign-on, as the coordinator's page would."""
    from classroom.accounts.models import School

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
        save_settings(db.session.get(School, school_id), settings)
        db.session.commit()


class Browser:
    """One person's browser: the app's test client and a cookie jar for the provider."""

    def __init__(self, app, provider):  # noqa: F811
        self.client = app.test_client()
        self.provider = provider
        self.jar = requests.Session()

    def start(self, email):
        """Submit the e-mail address on the login page; return the app's answer."""
        return self.client.post("/signon/", data={"email": email})

    def to_provider(self, email, login_as=None):
        """Start signing on and log in at the provider; return the callback URL."""
        response = self.start(email)
        assert response.status_code == 302, response.text
        assert response.location.startswith(self.provider.url)
        return log_in_at_provider(self.jar, self.provider.url, response.location, login_as or email)

    def sign_on(self, email, login_as=None):
        """The whole journey; returns the app's answer to the callback."""
        return self.client.get(self.to_provider(email, login_as))

    def dashboard(self):
        return self.client.get("/")


def teacher_in(app, make_user, school_id, email):
    return make_user("teacher", school_id=school_id, email=email)


def logged_in(browser):
    return browser.client.get("/lessons/").status_code == 200


def test_first_and_second_sign_on(app, provider, school_a, make_user):  # noqa: F811
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
