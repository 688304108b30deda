"""Sign-on domains a school owns, and the guarded fetch of a provider's documents.

A domain routes nobody until the operator or a DNS TXT record approves it; an approved
domain cannot be claimed by another school. Every request to a provider goes through the
guard: https, public addresses only (unless allowed), no redirects; an anonymous visitor
never makes the app fetch an issuer that was not configured successfully. The servers here
are real (tests/signon_servers.py): an HTTP issuer that records its requests, a DNS server.
"""

import datetime
import html
import ipaddress
import re
import ssl

import pytest
import requests
from conftest import PASSWORD, Staff, rendered_form
from signon_servers import DnsServer, IssuerServer

from classroom.extensions import db
from classroom.signon.fetch import FetchRefused, guarded_get, is_public
from classroom.signon.models import SignOn, SignOnDomain

DOMAIN = "school-a.test"


@pytest.fixture
def dns():
    """A DNS server on 127.0.0.1 that the app asks (SIGNON_DNS_NAMESERVER)."""
    server = DnsServer()
    yield server
    server.stop()


@pytest.fixture
def coordinator_of(make_school, make_staff):
    """A logged-in coordinator of a new school with this name."""

    def make(name):
        school_id = make_school(name)
        staff = make_staff("coordinator", school_id=school_id)
        staff.client.post("/language", data={"language": "en"})
        staff.school_id = school_id
        return staff

    return make


def settings_form(issuer_url, domains=DOMAIN, **changes):
    return {
        "issuer": issuer_url,
        "client_id": "klasgesprek",
        "client_secret": "a-secret-value-123",
        "domains": domains,
        "passwords_allowed": "y",
        **changes,
    }


def claims(app):
    """Every claim: (school name, domain, approved by)."""
    with app.app_context():
        rows = db.session.scalars(db.select(SignOnDomain).order_by(SignOnDomain.id))
        return [(c.sign_on.school.name, c.domain, c.approved_by) for c in rows]


def sign_on_start(app, email):
    client = app.test_client()
    client.post("/language", data={"language": "en"})
    return client.post("/signon/", data={"email": email})


def error_text(response):
    return html.unescape(re.search(r'class="signon-error" role="alert">([^<]*)<', response.text)[1])


def flashes(response):
    return html.unescape(response.text)


def test_a_new_domain_waits_for_approval_and_routes_nobody(app, issuer, coordinator_of):
    coordinator = coordinator_of("School A")
    assert (
        coordinator.client.post("/school/sign-on", data=settings_form(issuer.url)).status_code
        == 303
    )
    assert issuer.paths() == ["/.well-known/openid-configuration"]  # checked once, on saving
    assert claims(app) == [("School A", DOMAIN, None)]
    page = coordinator.client.get("/school/sign-on").text
    assert "Sign-on is saved but not on yet" in page
    record = re.search(r'class="domain-record">([^<]+)<', page)[1]
    assert re.fullmatch(r"klasgesprek-verification=[0-9a-f]{32}", record)
    assert f"_klasgesprek.{DOMAIN}" in page
    assert "csrf_token" in rendered_form(page, "/school/sign-on/check-domains")
    # The teacher's "school account" answers as for a domain nobody uses, and fetches nothing.
    pending = sign_on_start(app, f"teacher@{DOMAIN}")
    unknown = sign_on_start(app, "teacher@nowhere.test")
    assert pending.status_code == unknown.status_code == 404
    assert error_text(pending) == error_text(unknown)
    assert issuer.paths() == ["/.well-known/openid-configuration"]


def test_the_operator_lists_and_approves_domains(app, runner, issuer, coordinator_of, make_user):
    coordinator = coordinator_of("School A")
    coordinator.client.post("/school/sign-on", data=settings_form(issuer.url))
    listed = runner.invoke(args=["signon", "pending-domains"])
    assert listed.exit_code == 0
    assert re.search(rf"^{re.escape(DOMAIN)}\tSchool A\t\d{{4}}-\d\d-\d\d$", listed.output, re.M)
    result = runner.invoke(args=["signon", "approve-domain", DOMAIN.upper()])
    assert result.exit_code == 0, result.output
    assert "approved for School A" in result.output
    assert claims(app) == [("School A", DOMAIN, "operator")]
    assert "No domains are waiting" in runner.invoke(args=["signon", "pending-domains"]).output
    assert f"Sign-on is on for: {DOMAIN}." in coordinator.client.get("/school/sign-on").text
    # Now the address goes to the provider, on a page that names its host and the school.
    response = sign_on_start(app, f"teacher@{DOMAIN}")
    assert response.status_code == 200
    host = issuer.url.removeprefix("http://")
    assert f"You are going to {host} to sign in for School A." in html.unescape(response.text)
    assert "http-equiv" not in response.text  # the teacher follows the link; no automatic move
    link = re.search(r'class="button primary signon-continue" href="([^"]+)"', response.text)
    assert html.unescape(link[1]).startswith(f"{issuer.url}/auth?")
    # Taking the approval back: the domain routes nobody again.
    assert runner.invoke(args=["signon", "revoke-domain", DOMAIN]).exit_code == 0
    assert sign_on_start(app, f"teacher@{DOMAIN}").status_code == 404


def test_the_operator_command_refuses_what_it_cannot_approve(app, runner, issuer, coordinator_of):
    result = runner.invoke(args=["signon", "approve-domain", DOMAIN])
    assert result.exit_code == 1 and f"no school claims {DOMAIN}" in result.output
    for name in ("School A", "School B"):
        coordinator_of(name).client.post("/school/sign-on", data=settings_form(issuer.url))
    result = runner.invoke(args=["signon", "approve-domain", DOMAIN])
    assert result.exit_code == 1 and "choose one with --school" in result.output
    result = runner.invoke(args=["signon", "approve-domain", DOMAIN, "--school", "Nobody"])
    assert result.exit_code == 2
    assert [c[2] for c in claims(app)] == [None, None]
    assert runner.invoke(args=["signon", "revoke-domain", DOMAIN]).exit_code == 1


def test_approving_one_claim_removes_the_other_and_locks_the_domain(
    app, runner, issuer, coordinator_of
):
    school_a = coordinator_of("School A")
    school_b = coordinator_of("School B")
    # B claims A's domain first, with an issuer of its own choosing: both claims wait.
    other_issuer = IssuerServer()
    try:
        form_b = settings_form(other_issuer.url, domains=f"{DOMAIN}\nschool-b.test")
        assert school_b.client.post("/school/sign-on", data=form_b).status_code == 303
        assert (
            school_a.client.post("/school/sign-on", data=settings_form(issuer.url)).status_code
            == 303
        )
        listed = runner.invoke(args=["signon", "pending-domains"]).output
        assert f"{DOMAIN}\tSchool A" in listed and f"{DOMAIN}\tSchool B" in listed
        result = runner.invoke(args=["signon", "approve-domain", DOMAIN, "--school", "School A"])
        assert result.exit_code == 0, result.output
        assert sorted(claims(app)) == [
            ("School A", DOMAIN, "operator"),
            ("School B", "school-b.test", None),
        ]
        # B cannot claim it again; the page says why, and nothing changes.
        again = school_b.client.post("/school/sign-on", data=form_b)
        assert again.status_code == 409
        assert f"Another school or a municipality uses these domains: {DOMAIN}" in html.unescape(
            again.text
        )
        assert sorted(claims(app))[1] == ("School B", "school-b.test", None)
        result = runner.invoke(args=["signon", "approve-domain", DOMAIN, "--school", "School B"])
        assert result.exit_code == 1 and "already approved for another school" in result.output
        # A's coordinator saves its own domain again (and a new one): no conflict.
        form_a = settings_form(issuer.url, domains=f"{DOMAIN}\nstaff.{DOMAIN}", client_secret="")
        assert school_a.client.post("/school/sign-on", data=form_a).status_code == 303
        assert ("School A", DOMAIN, "operator") in claims(app)
        assert ("School A", f"staff.{DOMAIN}", None) in claims(app)
        # A's teachers go to A's provider, never to B's.
        response = sign_on_start(app, f"teacher@{DOMAIN}")
        assert "to sign in for School A" in response.text
        assert other_issuer.paths() == ["/.well-known/openid-configuration"]  # B's save only
    finally:
        other_issuer.stop()


def test_a_dns_record_approves_the_domain(app, issuer, dns, coordinator_of):
    app.config["SIGNON_DNS_NAMESERVER"] = dns.address
    school_a = coordinator_of("School A")
    school_b = coordinator_of("School B")
    form = settings_form(issuer.url, domains=f"{DOMAIN}\nsecond.test")
    school_a.client.post("/school/sign-on", data=form)
    school_b.client.post("/school/sign-on", data=settings_form(issuer.url))
    page = school_a.client.get("/school/sign-on").text
    records = dict(
        re.findall(r'data-domain="([^"]+)">.*?class="domain-record">([^<]+)<', page, re.S)
    )
    assert set(records) == {DOMAIN, "second.test"}
    b_record = re.search(
        r'class="domain-record">([^<]+)<', school_b.client.get("/school/sign-on").text
    )[1]
    assert b_record != records[DOMAIN]  # a token per school and domain
    # Nothing published yet.
    response = school_a.client.post("/school/sign-on/check-domains", follow_redirects=True)
    assert f"No record found for {DOMAIN} yet" in flashes(response)
    assert [c[2] for c in claims(app)] == [None, None, None]
    # School B's record for the same domain proves nothing for A.
    dns.records[f"_klasgesprek.{DOMAIN}"] = ["v=spf1 -all", b_record]
    school_a.client.post("/school/sign-on/check-domains")
    assert [c[2] for c in claims(app)] == [None, None, None]
    # The right records: at _klasgesprek.<domain>, and at the other domain itself.
    dns.records[f"_klasgesprek.{DOMAIN}"] = ["v=spf1 -all", records[DOMAIN]]
    dns.records["second.test"] = [records["second.test"]]
    response = school_a.client.post("/school/sign-on/check-domains", follow_redirects=True)
    assert f"{DOMAIN} is now approved for sign-on." in flashes(response)
    assert "second.test is now approved for sign-on." in flashes(response)
    assert sorted(claims(app)) == [("School A", DOMAIN, "dns"), ("School A", "second.test", "dns")]
    assert "/check-domains" not in school_a.client.get("/school/sign-on").text  # none pending
    assert sign_on_start(app, f"teacher@{DOMAIN}").status_code == 200


def test_a_dns_server_that_fails_gets_a_clear_message(app, issuer, dns, coordinator_of):
    app.config["SIGNON_DNS_NAMESERVER"] = dns.address
    dns.failing.add(f"_klasgesprek.{DOMAIN}")
    school_a = coordinator_of("School A")
    school_a.client.post("/school/sign-on", data=settings_form(issuer.url))
    response = school_a.client.post("/school/sign-on/check-domains", follow_redirects=True)
    assert response.status_code == 200
    assert f"DNS could not be asked about {DOMAIN} just now" in flashes(response)
    assert claims(app) == [("School A", DOMAIN, None)]


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "outlook.com", "ziggo.nl", "kpnmail.nl", "gmx.de", "gmx.net", "yahoo.co.uk",
     "hotmail.nl", "proton.me", "icloud.com", "mail.gmail.com"],
)  # fmt: skip
def test_public_mail_providers_are_refused(app, runner, issuer, coordinator_of, domain):
    coordinator = coordinator_of("School A")
    response = coordinator.client.post(
        "/school/sign-on", data=settings_form(issuer.url, domains=f"{DOMAIN}\n{domain}")
    )
    assert response.status_code == 400
    assert f"Public e-mail providers cannot be used for sign-on: {domain}" in response.text
    assert claims(app) == [] and issuer.requests == []
    result = runner.invoke(
        args=["signon", "configure", "--school", "S", "--issuer", issuer.url,
              "--client-id", "c", "--domain", domain],
        env={"KLASGESPREK_CLIENT_SECRET": "secret"},
    )  # fmt: skip
    assert result.exit_code == 2 and "public mail provider" in result.output
    assert claims(app) == []


def test_a_school_domain_is_not_a_public_provider():
    from classroom.signon.domains import is_public_mail_domain

    for domain in ("school.nl", "gmx-college.nl", "liveschool.nl", "live.school.nl", "csg.nl"):
        assert not is_public_mail_domain(domain), domain


@pytest.fixture
def ipv6_issuer():
    server = IssuerServer("::1")
    yield server
    server.stop()


@pytest.mark.parametrize(
    "issuer_url",
    [
        "https://127.0.0.1:{port}",
        "https://localhost:{port}",
        "https://[::1]:{port6}",
        "https://[::ffff:127.0.0.1]:{port}",
        "https://10.1.2.3",
        "https://192.168.1.1",
        "https://169.254.169.254/latest",
        "https://100.64.0.1",
        "https://[fe80::1]",
        "https://[fd00::1]",
        "https://224.0.1.1",
        "https://0.0.0.0:{port}",
        "http://127.0.0.1:{port}",
    ],
)
def test_private_issuers_are_refused_without_a_request(
    app, issuer, ipv6_issuer, coordinator_of, issuer_url
):
    app.config["SIGNON_ALLOW_PRIVATE_ISSUERS"] = False
    coordinator = coordinator_of("School A")
    url = issuer_url.format(port=issuer.port, port6=ipv6_issuer.port)
    response = coordinator.client.post("/school/sign-on", data=settings_form(url))
    assert response.status_code == 400
    assert 'id="issuer-error"' in response.text
    message = re.search(r'id="issuer-error">([^<]*)<', response.text)[1]
    assert "private or local network" in message or "https://" in message
    assert issuer.requests == [] and ipv6_issuer.requests == []
    with app.app_context():
        assert db.session.scalar(db.select(SignOn)) is None


def test_private_issuers_are_off_by_default_outside_debug_mode(app):
    from classroom.signon.services import private_issuers_allowed

    app.config["SIGNON_ALLOW_PRIVATE_ISSUERS"] = None
    assert private_issuers_allowed(app) is False
    app.debug = True
    assert private_issuers_allowed(app) is True


def test_a_redirecting_issuer_is_refused(app, coordinator_of):
    issuer = IssuerServer(mode="redirect")
    try:
        coordinator = coordinator_of("School A")
        response = coordinator.client.post("/school/sign-on", data=settings_form(issuer.url))
        assert response.status_code == 400
        assert "answered with a redirect" in response.text
        assert issuer.paths() == ["/.well-known/openid-configuration"]  # not followed
        with app.app_context():
            assert db.session.scalar(db.select(SignOn)) is None
    finally:
        issuer.stop()


def test_an_issuer_that_names_another_issuer_is_refused(app, coordinator_of):
    issuer = IssuerServer(mode="other-issuer")
    try:
        coordinator = coordinator_of("School A")
        response = coordinator.client.post("/school/sign-on", data=settings_form(issuer.url))
        assert response.status_code == 400
        assert "names another issuer" in response.text
    finally:
        issuer.stop()


def test_an_issuer_that_does_not_answer_is_refused(app, coordinator_of):
    issuer = IssuerServer()
    url = issuer.url
    issuer.stop()
    coordinator = coordinator_of("School A")
    response = coordinator.client.post("/school/sign-on", data=settings_form(url))
    assert response.status_code == 400
    assert f"could not be read at {url}/.well-known/openid-configuration" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(SignOn)) is None


def test_an_anonymous_visitor_never_makes_the_app_fetch_an_unchecked_issuer(
    app, runner, issuer, coordinator_of
):
    coordinator = coordinator_of("School A")
    coordinator.client.post("/school/sign-on", data=settings_form(issuer.url))
    issuer.requests.clear()
    # A pending domain: nothing is fetched.
    assert sign_on_start(app, f"teacher@{DOMAIN}").status_code == 404
    assert issuer.requests == []
    # An approved domain with a provider whose settings were never checked (as after the
    # upgrade that brought this check): nothing is fetched either.
    runner.invoke(args=["signon", "approve-domain", DOMAIN])
    with app.app_context():
        db.session.scalar(db.select(SignOn)).verified_at = None
        db.session.commit()
    assert sign_on_start(app, f"teacher@{DOMAIN}").status_code == 404
    assert issuer.requests == []
    page = coordinator.client.get("/school/sign-on").text
    assert "the provider has not been checked yet" in page
    # Saving again checks it; from then on the teacher's address goes to the provider.
    form = settings_form(issuer.url, client_secret="")
    assert coordinator.client.post("/school/sign-on", data=form).status_code == 303
    assert sign_on_start(app, f"teacher@{DOMAIN}").status_code == 200


def test_the_operator_checks_providers_left_unchecked_by_the_upgrade(
    app, runner, issuer, coordinator_of
):
    coordinator_of("School A").client.post("/school/sign-on", data=settings_form(issuer.url))
    coordinator_of("School B").client.post(
        "/school/sign-on", data=settings_form(issuer.url, domains="school-b.test")
    )
    runner.invoke(args=["signon", "approve-domain", DOMAIN])
    down = IssuerServer()
    down.stop()
    with app.app_context():
        for sign_on in db.session.scalars(db.select(SignOn)):
            sign_on.verified_at = None
            if sign_on.school.name == "School B":
                sign_on.issuer = down.url  # a provider that does not answer
        db.session.commit()
    issuer.requests.clear()
    result = runner.invoke(args=["signon", "check-providers"])
    assert result.exit_code == 1
    assert f"School A: {issuer.url} checked." in result.output
    assert f"School B: {down.url}: discovery-unreachable" in result.output
    assert issuer.paths() == ["/.well-known/openid-configuration"]
    with app.app_context():
        checked = {
            s.school.name: s.verified_at is not None for s in db.session.scalars(db.select(SignOn))
        }
    assert checked == {"School A": True, "School B": False}
    assert sign_on_start(app, f"teacher@{DOMAIN}").status_code == 200


def test_the_guard_holds_when_a_teacher_signs_on(app, runner, issuer, coordinator_of, make_user):
    """Authlib's own fetches (discovery, keys, token) go through the guard too."""
    coordinator = coordinator_of("School A")
    coordinator.client.post("/school/sign-on", data=settings_form(issuer.url))
    runner.invoke(args=["signon", "approve-domain", DOMAIN])
    issuer.requests.clear()
    app.config["SIGNON_ALLOW_PRIVATE_ISSUERS"] = False
    response = sign_on_start(app, f"teacher@{DOMAIN}")
    assert response.status_code == 503
    assert "cannot be reached" in error_text(response)
    assert issuer.requests == []
    # Passwords still work for the school (the coordinator allowed them).
    teacher = make_user("teacher", school_id=coordinator.school_id, email=f"t@{DOMAIN}")
    assert Staff(app.test_client(), teacher).login(PASSWORD).status_code == 302


def test_school_names_on_the_page_are_escaped(app, runner, issuer, make_school, make_user):
    school_id = make_school("<b>School</b> & co")
    staff = Staff(app.test_client(), make_user("coordinator", school_id=school_id))
    staff.login()
    staff.client.post("/school/sign-on", data=settings_form(issuer.url))
    runner.invoke(args=["signon", "approve-domain", DOMAIN])
    response = sign_on_start(app, f"teacher@{DOMAIN}")
    assert "&lt;b&gt;School&lt;/b&gt; &amp; co" in response.text
    assert "<b>School</b>" not in response.text


def test_a_teacher_without_an_approved_domain_keeps_the_password(
    app, runner, issuer, coordinator_of, make_user
):
    coordinator = coordinator_of("School A")
    form = settings_form(issuer.url)
    form.pop("passwords_allowed")  # teachers may only sign on …
    coordinator.client.post("/school/sign-on", data=form)
    teacher = make_user("teacher", school_id=coordinator.school_id, email=f"t@{DOMAIN}")
    # … but while no domain is approved nobody can sign on, so the password still works.
    assert Staff(app.test_client(), teacher).login().status_code == 302
    runner.invoke(args=["signon", "approve-domain", DOMAIN])
    assert Staff(app.test_client(), teacher).login().status_code != 302


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("127.0.0.1", False),
        ("10.0.0.1", False), ("172.16.0.1", False), ("192.168.0.1", False),
        ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False),  # noqa: S104
        ("224.0.1.1", False), ("239.255.255.250", False), ("240.0.0.1", False),
        ("255.255.255.255", False), ("192.0.2.1", False), ("::1", False), ("::", False),
        ("fe80::1", False), ("fd12:3456::1", False), ("ff02::1", False),
        ("::ffff:10.0.0.1", False), ("::ffff:8.8.8.8", True), ("64:ff9b::a00:1", False),
        ("64:ff9b::808:808", True), ("2002:a00:1::", False),
    ],
)  # fmt: skip
def test_which_addresses_are_public(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


def make_certificate(tmp_path, name):
    """A self-signed certificate for one host name: (its file, an SSL context serving it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return cert_path, context


def test_https_goes_to_the_checked_address_with_the_host_name(tmp_path):
    """The connection is made to the address the guard checked; the name stays for TLS."""
    cert_path, context = make_certificate(tmp_path, "localhost")
    server = IssuerServer(tls=context)
    try:
        url = f"https://localhost:{server.port}/.well-known/openid-configuration"
        assert guarded_get(url, allow_private=True, verify=str(cert_path)).status_code == 200
        assert server.server_names == ["localhost"]  # SNI
        assert server.requests[0][1]["Host"] == f"localhost:{server.port}"
        # The certificate is checked against the name in the URL, not the address used.
        with pytest.raises(requests.exceptions.SSLError):
            guarded_get(
                f"https://127.0.0.1:{server.port}/x", allow_private=True, verify=str(cert_path)
            )
        with pytest.raises(FetchRefused):
            guarded_get(url, allow_private=False, verify=str(cert_path))
        assert len(server.requests) == 1
    finally:
        server.stop()


def test_a_provider_that_never_answers_is_given_up_after_the_guards_short_timeout():
    """Every fetch has the guard's timeout, whatever its caller (Authlib) asks for."""
    import socket
    import time

    from classroom.signon import fetch

    assert fetch.GuardedAdapter(allow_private=False).timeout == fetch.TIMEOUT <= 10
    with socket.create_server(("127.0.0.1", 0)) as silent:  # connects, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/.well-known/openid-configuration"
        with fetch.guard(requests.Session(), allow_private=True) as session:
            session.get_adapter(url).timeout = 0.5
            started = time.monotonic()
            with pytest.raises(requests.Timeout):
                session.get(url, timeout=60)
        assert time.monotonic() - started < 5
