"""A teacher writes a film module in both languages, shares it, the coordinator assigns it,
a class answers on phones and the coordinator finds it in the school's overview and results."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from .helpers import (
    COORDINATOR_EMAIL,
    DEMO_CLASS,
    Student,
    Teacher,
    check_axe,
    text,
)

TITLE = "Wonder: voor- en nagesprek"


def test_a_film_module_from_the_editor_to_the_school_results(new_context, phones):
    teacher = Teacher(new_context().new_page())
    teacher.log_in("nl")
    page = teacher.page
    page.goto("/modules/")
    page.get_by_label(text("a film", "nl"), exact=True).check()
    page.fill("#name", "Wonder")
    page.get_by_label(text("Dutch and English", "nl"), exact=True).check()
    page.click("form[action='/modules/'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/modules/[a-z0-9-]+/edit$"))
    slug = re.search(r"/modules/([a-z0-9-]+)/edit", page.url)[1]
    check_axe(page, "the editor")

    # A problem is shown at its field, then fixed; the preview renders the guide.
    page.fill("#nl-title", "")
    page.click(".toolbar button[value=save] >> nth=0")
    expect(page.locator("#nl-title-error")).to_be_visible()
    expect(page.locator("#nl-title")).to_have_attribute("aria-invalid", "true")
    check_axe(page, "the editor with a problem")
    page.fill("#nl-title", TITLE)
    page.fill("#en-title", "Wonder: before and after")
    page.fill("#nl-phase-0-projector", "**Let op** wat je raakt")
    page.click(".toolbar button[value=preview] >> nth=0")
    expect(page.locator(".preview strong", has_text="Let op").first).to_be_visible()
    page.click(".toolbar button[value=save] >> nth=0")
    expect(page.locator("#problems")).to_have_count(0)
    expect(page.locator("#nl-title")).to_have_value(TITLE)

    page.goto(f"/modules/{slug}")
    page.click(f"form[action='/modules/{slug}/share'] button")
    expect(page.locator(".flash-success")).to_be_visible()

    # The coordinator assigns it like a library module.
    coordinator = Teacher(new_context().new_page())
    coordinator.log_in("nl", COORDINATOR_EMAIL)
    school = coordinator.page
    school.goto("/school/assignments")
    school.select_option("#module", slug)
    school.get_by_label(DEMO_CLASS, exact=True).check()
    school.fill("#due_on", (date.today() + timedelta(days=7)).isoformat())
    school.click("form[action='/school/assignments'] button[type=submit]")
    expect(school.locator("table", has_text=TITLE)).to_be_visible()

    # The teacher gives it; the class answers the scale question before the film.
    page.goto(f"/modules/{slug}")
    page.select_option("#school_class", label=DEMO_CLASS)
    page.select_option("#language", "nl")
    page.click(".start-run button[type=submit]")
    expect(page).to_have_url(re.compile(r"/runs/\d+/present$"))
    run_id = int(re.search(r"/runs/(\d+)/present", page.url)[1])
    code = re.sub(r"\s", "", page.inner_text(".join-code").rsplit(":", 1)[-1])
    control = page.context.new_page()
    control.goto(f"/runs/{run_id}")
    students = [Student(phone, code) for phone in phones(6)]
    for student in students:
        student.join_by_link()
    for student in students:
        student.expect_joined("nl")
    teacher.act(control, 2, "open")
    for number, student in enumerate(students):
        expect(student.page.locator("form.answer-form")).to_be_visible()
        student.answer("scale", number)
    for student in students:
        student.expect_saved()
    teacher.act(control, 2, "close")
    control.goto(f"/runs/{run_id}/end")
    control.click(f"form[action='/runs/{run_id}/end'] button[type=submit]")
    expect(control).to_have_url(re.compile(rf"/runs/{run_id}/summary$"))
    expect(control.locator("main")).to_contain_text("Ik weet veel over het onderwerp")

    # The coordinator finds it in the overview and in the school results.
    school.goto("/school/")
    expect(school.locator("main")).to_contain_text(TITLE)
    school.goto(f"/school/results/{slug}")
    expect(school.locator("h1")).to_contain_text(TITLE)
