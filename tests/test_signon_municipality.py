"""Programme leads sign on with their municipality's provider, set up by the operator.

The municipality's provider is a real one (tests/oidc/server.js) with accounts of its own;
school A signs on at the session's provider (tests/test_signon.py), so each owner has its
own issuer, as in practice.
"""

import html
import re
from urllib.parse import urlsplit

import pytest
import requests
import signon_provider
from conftest import Staff
from signon_provider import (
    CALLBACK,
    CLIENT_ID,
    CLIENT_SECRET,
    log_in_at_provider,
    provider_fixture,  # noqa: F401 - the session's `provider`, school A's
    start_provider,
)
from sqlalchemy.exc import IntegrityError

from classroom.accounts.models import School, User
from classroom.extensions import db
from classroom.programmes.models import Municipality
from classroom.signon.models import SignOn, SignOnDomain, SignOnIdentity
from classroom.signon.services import Settings, approve_domain, save_settings

DELFT_DOMAIN = "delft.test"
# The accounts at Delft's provider.
DELFT_ACCOUNTS = [
    {"sub": "sub-lead", "email": "lead@delft.test", "email_verified": True},
    {"sub": "sub-delft-teacher", "email": "teacher@delft.test", "email_verified": True},
    {"sub": "sub-rijswijk-lead", "email": "rijswijk@delft.test", "email_verified": True},
    {"sub": "sub-nobody", "email": "nobody@delft.test", "email_verified": True},
]


@pytest.fixture(scope="module")
def delft_provider(tmp_path_factory):
    """Delft's own provider, with Delft's accounts, for this module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signon_provider, "ACCOUNTS", DELFT_ACCOUNTS)
        running = start_provider(tmp_path_factory.mktemp("oidc-delft"), [CALLBACK])
    yield running
    running.stop()


def make_municipality(app, name="Delft") -> int:
    with app.app_context():
        municipality = Municipality(name=name)
        db.session.add(municipality)
        db.session.commit()
        return municipality.id


def configure(app, owner_model, owner_id, issuer, domain, **changes):
    """Give the school or municipality sign-on, as the operator's command does."""
    from classroom.signon.client import discover

    settings = Settings(
        issuer=issuer,
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        domains=[domain],
        provider_verifies_email=False,
        passwords_allowed=True,
    )
    for name, value in changes.items():
        setattr(settings, name, value)
    with app.app_context():
        discover(issuer)
        owner = db.session.get(owner_model, owner_id)
        sign_on = save_settings(owner, settings)
        for claimed in sign_on.domain_list:
            approve_domain(claimed, "operator", owner)
        db.session.commit()


@pytest.fixture
def delft(app, delft_provider):
    """Delft with sign-on at its provider for delft.test; returns its id."""
    municipality_id = make_municipality(app)
    configure(app, Municipality, municipality_id, delft_provider.url, DELFT_DOMAIN)
    return municipality_id


@pytest.fixture
def school_a(app, make_school, provider):
    """School A with sign-on at the session's provider for school-a.test; returns its id."""
    school_id = make_school("School A")
    configure(app, School, school_id, provider.url, "school-a.test")
    return school_id


class Browser:
    """One person's browser: the app's test client and a cookie jar for the provider."""

    def __init__(self, app, language="en"):
        self.client = app.test_client()
        self.client.post("/language", data={"language": language})
        self.jar = requests.Session()

    def sign_on(self, provider, email):
        """The whole journey; returns the page before the provider and the callback's answer."""
        page = self.client.post("/signon/", data={"email": email})
        assert page.status_code == 200, page.text
        link = re.search(r'class="button primary signon-continue" href="([^"]+)"', page.text)
        url = html.unescape(link[1])
        assert url.startswith(provider.url + "/auth?")
        return page, self.client.get(log_in_at_provider(self.jar, provider.url, url, email))

    def home(self):
        """Where the start page sends this lead, or None when nobody is logged in (the start
        page itself)."""
        response = self.client.get("/", follow_redirects=True)
        assert response.status_code == 200
        return None if response.request.path == "/" else response.request.path


def error_text(response) -> str:
    return html.unescape(re.search(r'class="signon-error" role="alert">([^<]*)<', response.text)[1])


def identities(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(SignOnIdentity))


def test_a_lead_signs_on_with_the_municipality_provider(app, delft, delft_provider, make_user):
    lead = make_user("lead", municipality_id=delft, email="lead@delft.test")
    browser = Browser(app)
    page, response = browser.sign_on(delft_provider, "lead@delft.test")
    text = html.unescape(page.text)
    host = urlsplit(delft_provider.url).netloc
    assert f"You are going to {host} to sign in for Delft." in text
    assert "To your municipality's login page" in text
    assert "school" not in text.split("<main", 1)[-1].lower()
    assert response.status_code == 303
    assert browser.home() == "/programmes/"
    with app.app_context():
        identity = db.session.scalar(db.select(SignOnIdentity))
        assert (identity.user_id, identity.subject) == (lead["id"], "sub-lead")
    # Again, in a new browser and in Dutch: found by subject, not linked twice.
    again = Browser(app, language="nl")
    page, response = again.sign_on(delft_provider, "LEAD@delft.test")
    assert f"Je gaat naar {host} om in te loggen voor Delft." in html.unescape(page.text)
    assert response.status_code == 303 and again.home() == "/programmes/"
    assert identities(app) == 1


def test_a_teacher_with_an_address_of_the_municipality_is_refused(
    app, delft, delft_provider, make_user, make_school
):
    make_user("teacher", school_id=make_school("Delfts Lyceum"), email="teacher@delft.test")
    browser = Browser(app)
    _page, response = browser.sign_on(delft_provider, "teacher@delft.test")
    assert response.status_code == 403
    message = error_text(response)
    assert "no programme lead account of your municipality" in message
    assert "coordinator" not in message
    assert browser.home() is None and identities(app) == 0


def test_sign_on_makes_no_lead(app, delft, delft_provider):
    with app.app_context():
        users = db.session.scalar(db.select(db.func.count()).select_from(User))
    _page, response = Browser(app).sign_on(delft_provider, "nobody@delft.test")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == users


def test_a_lead_of_another_municipality_is_refused(app, delft, delft_provider, make_user):
    rijswijk = make_municipality(app, "Rijswijk")
    make_user("lead", municipality_id=rijswijk, email="rijswijk@delft.test")
    browser = Browser(app)
    _page, response = browser.sign_on(delft_provider, "rijswijk@delft.test")
    assert response.status_code == 403
    assert browser.home() is None and identities(app) == 0


def test_a_lead_cannot_sign_on_through_a_schools_provider(
    app, school_a, provider, delft, make_user
):
    # An address of school A's domain, given to a lead: school A's provider knows it.
    make_user("lead", municipality_id=delft, email="new@school-a.test")
    browser = Browser(app)
    page, response = browser.sign_on(provider, "new@school-a.test")
    assert "sign in for School A" in page.text
    assert response.status_code == 403
    assert "There is no account at your school" in error_text(response)
    assert browser.home() is None and identities(app) == 0


def test_a_linked_identity_stays_with_its_owner(app, delft, delft_provider, make_user):
    """Once linked, the subject decides; an account moved elsewhere no longer gets in."""
    lead = make_user("lead", municipality_id=delft, email="lead@delft.test")
    assert Browser(app).sign_on(delft_provider, "lead@delft.test")[1].status_code == 303
    with app.app_context():
        db.session.get(User, lead["id"]).municipality_id = make_municipality(app, "Rijswijk")
        db.session.commit()
    browser = Browser(app)
    _page, response = browser.sign_on(delft_provider, "lead@delft.test")
    assert response.status_code == 403 and browser.home() is None


def test_passwords_off_refuses_the_leads_password(app, delft, delft_provider, make_user):
    lead = make_user("lead", municipality_id=delft, email="lead@delft.test")
    other = make_user("lead")  # a lead of another municipality, without sign-on
    teacher = make_user("teacher")
    assert Staff(app.test_client(), lead).login().status_code == 302
    with app.app_context():
        sign_on = db.session.scalar(db.select(SignOn).where(SignOn.municipality_id == delft))
        sign_on.passwords_allowed = False
        db.session.commit()
    assert Staff(app.test_client(), lead).login().status_code == 403
    assert Staff(app.test_client(), other).login().status_code == 302
    assert Staff(app.test_client(), teacher).login().status_code == 302
    browser = Browser(app)
    assert browser.sign_on(delft_provider, "lead@delft.test")[1].status_code == 303
    assert browser.home() == "/programmes/"


def configure_args(issuer_url, *owner, domain=DELFT_DOMAIN):
    return [
        "signon", "configure", *owner, "--issuer", issuer_url,
        "--client-id", "klasgesprek", "--domain", domain,
    ]  # fmt: skip


SECRET = {"KLASGESPREK_CLIENT_SECRET": "secret"}


def sign_ons(app) -> list[tuple]:
    with app.app_context():
        return [
            (s.owner_name, s.for_municipality, s.domain_list, s.approved_domains)
            for s in db.session.scalars(db.select(SignOn).order_by(SignOn.id))
        ]


def test_the_operator_configures_a_municipality(app, runner, issuer):
    make_municipality(app)
    result = runner.invoke(args=configure_args(issuer.url, "--municipality", "Delft"), env=SECRET)
    assert result.exit_code == 0, result.output
    assert f"Sign-on for Delft: {issuer.url} ({DELFT_DOMAIN}, approved)." in result.output
    assert sign_ons(app) == [("Delft", True, [DELFT_DOMAIN], [DELFT_DOMAIN])]
    # The other commands name the municipality.
    result = runner.invoke(args=["signon", "revoke-domain", DELFT_DOMAIN])
    assert "no longer approved for Delft" in result.output
    listed = runner.invoke(args=["signon", "pending-domains"]).output
    assert re.search(rf"^{re.escape(DELFT_DOMAIN)}\tDelft\t", listed, re.M)
    result = runner.invoke(
        args=["signon", "approve-domain", DELFT_DOMAIN, "--municipality", "Delft"]
    )
    assert result.exit_code == 0 and f"{DELFT_DOMAIN} is approved for Delft." in result.output
    with app.app_context():
        db.session.scalar(db.select(SignOn)).verified_at = None
        db.session.commit()
    result = runner.invoke(args=["signon", "check-providers"])
    assert f"Delft: {issuer.url} checked." in result.output


def test_the_configure_command_refuses_an_unknown_municipality_and_wants_one_owner(
    app, runner, issuer, make_school
):
    make_school("School A")
    make_municipality(app)
    unknown = runner.invoke(args=configure_args(issuer.url, "--municipality", "Delf"), env=SECRET)
    assert unknown.exit_code == 1 and "no municipality named 'Delf'" in unknown.output
    both = ["--school", "School A", "--municipality", "Delft"]
    for owner in ([], both):
        result = runner.invoke(args=configure_args(issuer.url, *owner), env=SECRET)
        assert result.exit_code == 2 and "either --school or --municipality" in result.output
    assert sign_ons(app) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Municipality)) == 1
    assert issuer.paths() == []


def test_one_approved_claim_per_domain_across_schools_and_municipalities(
    app, runner, issuer, make_staff
):
    make_municipality(app)
    result = runner.invoke(args=configure_args(issuer.url, "--municipality", "Delft"), env=SECRET)
    assert result.exit_code == 0, result.output
    # A school cannot have Delft's domain: not by the command, not on the coordinator's page.
    result = runner.invoke(args=configure_args(issuer.url, "--school", "School A"), env=SECRET)
    assert result.exit_code == 1 and "approved for another school or municipality" in result.output
    coordinator = make_staff("coordinator")
    form = {
        "issuer": issuer.url, "client_id": "klasgesprek", "client_secret": "secret",
        "domains": DELFT_DOMAIN, "passwords_allowed": "y",
    }  # fmt: skip
    assert coordinator.client.post("/school/sign-on", data=form).status_code == 409
    # Nor can a municipality have a school's.
    result = runner.invoke(
        args=configure_args(issuer.url, "--school", "School A", domain="school-a.test"), env=SECRET
    )
    assert result.exit_code == 0, result.output
    make_municipality(app, "Rijswijk")
    result = runner.invoke(
        args=configure_args(issuer.url, "--municipality", "Rijswijk", domain="school-a.test"),
        env=SECRET,
    )
    assert result.exit_code == 1
    assert [owner for owner, *_rest in sign_ons(app)] == ["Delft", "School A"]


def test_a_sign_on_has_exactly_one_owner(app, make_school):
    school_id = make_school("School A")
    municipality_id = make_municipality(app)
    row = {"issuer": "https://id.test", "client_id": "c", "secret_encrypted": "x"}
    with app.app_context():
        for owners in ({}, {"school_id": school_id, "municipality_id": municipality_id}):
            db.session.add(SignOn(**row, **owners))
            with pytest.raises(ValueError, match="exactly one"):
                db.session.flush()
            db.session.rollback()
            # The database refuses it too, for whatever does not go through the model.
            with pytest.raises(IntegrityError):
                db.session.execute(db.insert(SignOn).values(**row, **owners))
            db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(SignOnDomain)) == 0


def test_the_operator_page_says_whether_a_municipality_signs_on(app, runner, issuer, make_user):
    make_municipality(app)
    make_municipality(app, "Rijswijk")
    args = [*configure_args(issuer.url, "--municipality", "Delft"), "--no-passwords"]
    assert runner.invoke(args=args, env=SECRET).exit_code == 0
    operator = Staff(app.test_client(), make_user("operator"))
    operator.client.post("/language", data={"language": "en"})
    assert operator.login().status_code == 302
    states = re.findall(
        r'<p class="meta signon-state">(.*?)</p>', operator.client.get("/operator").text, re.S
    )
    assert [" ".join(html.unescape(re.sub("<[^>]+>", "", s)).split()) for s in states] == [
        f"Sign-on with the municipality's accounts is on for: {DELFT_DOMAIN}. "
        "Leads cannot log in with a password.",
        "Sign-on is off: leads log in with a password. To set it up: "
        "flask signon configure --municipality …",
    ]
