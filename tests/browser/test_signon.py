"""A coordinator sets up sign-on with a real provider; a teacher signs on and gives a lesson."""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect
from signon_provider import CLIENT_ID, CLIENT_SECRET, start_provider

from classroom.cli import DEMO_PASSWORD

from .conftest import DESKTOP, ROOT
from .helpers import COORDINATOR_EMAIL, TEACHER_EMAIL, Teacher, check_axe, module_with


@pytest.fixture(scope="module")
def provider(server, tmp_path_factory):
    """The test provider, with the live app's callback as its redirect URI."""
    running = start_provider(tmp_path_factory.mktemp("oidc"), [f"{server.url}/signon/callback"])
    yield running
    running.stop()


def watched_context(browser, server, provider, found):
    """A browser context that records CSP violations, script errors and third-party requests."""
    context = browser.new_context(base_url=server.url, viewport=DESKTOP)
    context.set_default_timeout(10_000)

    def request(req):
        if not req.url.startswith((server.url + "/", provider.url + "/", "data:", "about:")):
            found.append(f"request to another site: {req.url}")

    context.on("request", request)
    context.on("weberror", lambda error: found.append(f"script error: {error.error}"))
    context.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and found.append(f"CSP: {message.text}")
        ),
    )
    return context


def test_a_teacher_signs_on_with_the_school_account_and_gives_a_lesson(browser, server, provider):
    found: list[str] = []
    # The coordinator points the demo school at the provider.
    coordinator = watched_context(browser, server, provider, found)
    page = coordinator.new_page()
    page.goto("/auth/login")
    page.fill("#email", COORDINATOR_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main form:not([action]) button[type=submit]")
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/school/")
    page.click("nav.subnav a[href='/school/sign-on']")
    expect(page.locator("main")).to_contain_text(f"{server.url}/signon/callback")
    page.fill("#issuer", provider.url)
    page.fill("#client_id", CLIENT_ID)
    page.fill("#client_secret", CLIENT_SECRET)
    page.fill("#domains", "demo.klasgesprek.nl")
    page.click("form[action='/school/sign-on'] button[type=submit]")
    # The domain waits for approval, with the DNS record that would prove it.
    pending = page.locator("tr[data-domain='demo.klasgesprek.nl'] .domain-record")
    expect(pending).to_contain_text("klasgesprek-verification=")
    check_axe(page, "the sign-on settings")
    expect(page.locator("#client_secret")).to_have_value("")
    assert CLIENT_SECRET not in page.content()
    # The operator approves it.
    approved = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "classroom", "signon", "approve-domain",
         "demo.klasgesprek.nl"],
        cwd=ROOT, env=server.env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    page.reload()
    expect(page.locator(".signon-state")).to_contain_text("demo.klasgesprek.nl")
    expect(page.locator("tr[data-domain='demo.klasgesprek.nl'] .domain-approved")).to_be_visible()
    coordinator.close()

    # The teacher types the school address and logs in at the provider.
    context = watched_context(browser, server, provider, found)
    page = context.new_page()
    page.goto("/auth/login")
    check_axe(page, "the login page with sign-on")
    page.fill("#signon-email", "docent@elders.test")
    page.click(".signon-start button[type=submit]")
    expect(page.locator(".signon-error")).to_be_visible()
    check_axe(page, "a sign-on error")
    page.goto("/auth/login")
    page.fill("#signon-email", TEACHER_EMAIL)
    page.click(".signon-start button[type=submit]")
    # Before leaving, the page names the provider's host and the school.
    host = provider.url.removeprefix("http://")
    expect(page.locator(".signon-destination")).to_contain_text(host)
    expect(page.locator(".signon-destination")).to_contain_text("Demo College")
    check_axe(page, "the page before the provider")
    page.click(".signon-continue")
    expect(page).to_have_url(re.compile(re.escape(provider.url) + r"/interaction/"))
    expect(page.locator("#email")).to_have_value(TEACHER_EMAIL)  # the login hint
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{server.url}/")
    expect(page.locator("nav")).to_contain_text("Uitloggen")

    teacher = Teacher(page)
    teacher.start(module_with("single"), "nl")
    code = teacher.code
    expect(page.locator(".join-code")).to_contain_text(f"{code[:3]} {code[3:6]} {code[6:]}")

    # Logging out ends the app's session and offers the provider's logout.
    page.goto("/")
    page.click("form[action='/auth/logout'] button")
    expect(page.locator("main a[href*='/session/end']")).to_be_visible()
    check_axe(page, "the page after logging out")
    page.goto("/lessons/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    context.close()
    assert found == []
