"""Forgot your password, in Chromium: the link comes by mail, through a real SMTP server."""

import re

from playwright.sync_api import expect

from .helpers import check_axe, choose_language

# A demo teacher whom no other browser test logs in as: this test changes the password.
TEACHER = "docent2@demo.klasgesprek.nl"
NEW_PASSWORD = "een hele zin als nieuw wachtwoord"


def test_a_teacher_sets_a_new_password_through_the_mailed_link(new_context, server, mail_server):
    page = new_context().new_page()
    page.goto("/auth/login")
    choose_language(page, "en")
    page.click("main a[href='/auth/forgot']")
    expect(page).to_have_url(re.compile(r"/auth/forgot$"))
    page.fill("#email", TEACHER)
    page.click("main form button[type=submit]")
    expect(page.locator("main [role=status]")).to_contain_text("is on its way")
    check_axe(page, "the page after asking for a link")

    [mail] = mail_server.inbox.wait_for(TEACHER)
    assert mail.subject == "Choose a new password for Klasgesprek"  # the page's language
    link = mail.link()
    assert link.startswith(f"{server.url}/auth/reset/")

    page.goto(link)
    expect(page.locator("main")).to_contain_text(TEACHER)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    # The link logs nobody in: it ends at the login page, with what to do next.
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.locator(".flashes")).to_contain_text(
        "Your password has been changed. Log in with your new password."
    )
    page.goto("/runs/")
    expect(page).to_have_url(re.compile(r"/auth/login"))

    page.fill("#email", TEACHER)
    page.fill("#password", NEW_PASSWORD)
    page.click("main form:not([action]) button[type=submit]")
    expect(page).to_have_url(f"{server.url}/runs/")  # where the login page was asked from
    expect(page.locator("nav")).to_contain_text("Log out")

    notice = mail_server.inbox.wait_for(TEACHER, 2)[1]
    assert notice.subject == "Your Klasgesprek password has been changed"
    # The link worked once.
    page.goto(link)
    expect(page.locator("main")).to_contain_text("no longer works")
