"""A lesson over two sessions with a phone that makes mistakes and keeps following."""

import re

from playwright.sync_api import expect

from .helpers import Student, Teacher, check_axe, library, text


def test_a_phone_keeps_following_through_errors_a_pause_and_a_ranking(new_context, phones):
    module = library().modules["jihad"]
    teacher = Teacher(new_context().new_page())
    teacher.log_in("nl")
    teacher.start(module, "nl")
    code = teacher.code
    control = teacher.page.context.new_page()
    control.goto(f"/runs/{teacher.run_id}")

    (page,) = phones(1)
    student = Student(page, code)
    student.join_by_link()
    student.expect_joined("nl")

    # An empty answer: the error page, but the phone is back on its live address
    # and follows the teacher to the next screen without anyone reloading.
    teacher.act(control, 0, "open")
    page.locator("form.answer-form button[type=submit]").click()
    expect(page.locator(".error")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/live/{code}$"))
    page.evaluate("window.stillTheSamePage = true")
    teacher.act(control, 0, "close")
    expect(page.locator("h1")).to_have_text(text("Wait for the next question", "nl"))
    assert page.evaluate("window.stillTheSamePage") is True

    # End of the first session: the teacher asks to end and pauses instead.
    control.goto(f"/runs/{teacher.run_id}/end")
    with control.expect_navigation():
        control.locator(f"form[action$='/runs/{teacher.run_id}/pause'] button").click()
    expect(page.locator("h1")).to_have_text(text("See you next lesson", "nl"))
    with control.expect_navigation():
        control.locator(f"form[action$='/runs/{teacher.run_id}/resume'] button").click()
    expect(page.locator("h1")).to_have_text(text("Wait for the next question", "nl"))

    # A ranking of the teacher's own, ordered with the arrows by keyboard.
    control.locator("details.own-question summary").click()
    control.select_option("#type", "ranking")
    control.fill("#question", "Wat is het belangrijkst?")
    control.fill("#options", "Vriendschap\nEerlijkheid\nPlezier")
    with control.expect_navigation():
        control.locator("details.own-question button[type=submit]").click()
    rows = control.locator("li.question-row")
    teacher.act(control, rows.count() - 1, "open")
    ranking = page.locator("ol.rank-list")
    expect(ranking).to_be_visible()
    check_axe(page, "student, ranking by arrows")
    page.get_by_role("button", name="Vriendschap omlaag").focus()
    page.keyboard.press("Enter")
    expect(page.locator("fieldset.ranking-form [role=status]")).to_have_text(
        "Vriendschap staat nu op plaats 2"
    )
    expect(ranking.locator(".rank-name")).to_have_text(["Eerlijkheid", "Vriendschap", "Plezier"])
    page.locator("form.answer-form button[type=submit]").click()
    student.expect_saved()


def test_every_module_page_fits_a_360_px_phone(new_context):
    teacher = Teacher(new_context(viewport={"width": 360, "height": 640}).new_page())
    teacher.log_in("nl")
    page = teacher.page
    for slug in sorted(library().modules):
        page.goto(f"/lessons/{slug}")
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"/lessons/{slug} scrolls sideways: {width}"
