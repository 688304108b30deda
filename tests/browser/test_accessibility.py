"""Every page type passes axe-core (WCAG 2.1 A and AA) in both languages.

Student pages also fit a 360 by 640 phone with 44 px touch targets; the
projector view uses large type and AAA contrast.
"""

import pytest
from playwright.sync_api import Page, expect

from .conftest import PHONE
from .helpers import (
    COORDINATOR_EMAIL,
    LANGUAGES,
    Student,
    Teacher,
    check_axe,
    check_phone_layout,
    choose_language,
    module_with,
    poll_types,
)

PROJECTOR = {"width": 1280, "height": 720}
# Text on the wall must be readable from the back row of a classroom.
PROJECTOR_MIN_PX = {".join-code": 56, ".present-question": 40, ".join-box, .stage": 24}
ENHANCED_CONTRAST = ("color-contrast-enhanced",)
K = 5  # the demo school shows results from 5 answers


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages(new_context, language):
    page = new_context(viewport=PHONE).new_page()
    page.goto("/")
    choose_language(page, language)
    expect(page.locator("#code")).to_be_visible()
    check(page, "start page with the join form")

    page.goto("/join")
    page.fill("#code", "ZZZ ZZZ")
    page.click("main form button[type=submit]")
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#code-error")).to_be_visible()
    check(page, "join form with an unknown code")

    page.goto("/privacy")
    check(page, "privacy page")

    page.goto("/auth/forgot")
    check(page, "forgot-password page")

    response = page.goto("/no-such-page")
    assert response.status == 404
    check(page, "404 page")

    page.goto("/auth/login")
    page.fill("#email", "nobody@example.org")
    page.fill("#password", "wrong")
    page.click("main form button[type=submit]")
    expect(page.locator(".flash-error")).to_be_visible()
    check(page, "login page after a failed login")


@pytest.mark.parametrize("language", LANGUAGES)
def test_teacher_pages(new_context, language):
    page = new_context().new_page()
    page.goto("/auth/login")
    choose_language(page, language)
    check_axe(page, "login page")
    teacher = Teacher(page)
    teacher.log_in(language)

    page.goto("/lessons/")
    check_axe(page, "lesson library")
    module = module_with("single", "multiple", "scale", "text")
    page.goto(f"/lessons/{module.slug}")
    check_axe(page, "module page")

    teacher.start(module, language)
    check_axe(page, "presenter, before the first question", ENHANCED_CONTRAST)
    page.goto("/")
    check_axe(page, "teacher dashboard")
    page.goto("/runs/")
    check_axe(page, "my lessons")
    page.goto(f"/runs/{teacher.run_id}")
    check_axe(page, "run control page")
    page.goto(f"/runs/{teacher.run_id}/summary")
    check_axe(page, "lesson summary")
    page.locator("header nav a[href='/auth/password']").click()
    check_axe(page, "password change")


@pytest.mark.parametrize("language", LANGUAGES)
def test_coordinator_pages(new_context, language):
    page = new_context().new_page()
    Teacher(page).log_in(language, COORDINATOR_EMAIL)
    check_axe(page, "coordinator's start page")
    page.locator("header nav a[href='/school/']").click()
    expect(page.locator("nav.subnav")).to_be_visible()
    # Every page of the school's menu, and the first page each of them links to below it.
    sections = page.locator("nav.subnav a").evaluate_all("links => links.map(a => a.pathname)")
    for section in sections:
        page.goto(section)
        check_axe(page, f"school page {section}")
        deeper = page.locator(f"main a[href^='{section.rstrip('/')}/']:not([href$='.csv'])")
        if section != "/school/" and deeper.count():
            deeper.first.click()
            check_axe(page, f"a page under {section}: {page.url}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_live_pages_for_every_question_type(new_context, phones, language):
    module = module_with("single", "multiple", "scale", "text")
    teacher_context = new_context()
    teacher = Teacher(teacher_context.new_page())
    teacher.log_in(language)
    teacher.start(module, language)
    presenter = teacher.page
    presenter.set_viewport_size(PROJECTOR)
    control = teacher_context.new_page()
    control.goto(f"/runs/{teacher.run_id}")

    students = [Student(page, teacher.code) for page in phones(K)]
    for student in students:
        student.join_by_link()
    for student in students:
        student.expect_joined(language)
    phone = students[0].page
    check(phone, "student page, waiting for the first question")

    types = poll_types(module)
    for kind in dict.fromkeys(types):  # the first question of each type
        position = types.index(kind)
        teacher.act(control, position, "open")
        expect(phone.locator("form.answer-form")).to_be_visible()
        check(phone, f"student page, {kind} question")
        expect(presenter.locator("[data-answer-count]")).to_be_visible()
        check_projector(presenter, f"{kind} question open")

        phone.click("form.answer-form button[type=submit]")  # nothing chosen yet
        expect(phone.locator("form.answer-form .error")).to_be_visible()
        check(phone, f"student page, {kind} question sent without an answer")

        for number, student in enumerate(students):
            student.answer(kind, number)
        for student in students:
            student.expect_saved()
        if position == 0:
            check(phone, f"student page, {kind} question answered")

        teacher.act(control, position, "reveal")
        for student in students:  # no phone still shows this question's form
            expect(student.page.locator("form.answer-form")).to_have_count(0)
        if kind != "text":  # open answers wait for the teacher's approval
            expect(phone.locator(".bars")).to_be_visible()
            expect(presenter.locator(".bars")).to_be_visible()
        check(phone, f"student page, {kind} results")
        check_projector(presenter, f"{kind} results")
    # Results of every type, open answers to approve and the buttons for all of it.
    check_axe(control, "run control page with results")


def check(page: Page, where: str) -> None:
    """A page students use: axe, and the layout on a 360 by 640 phone."""
    check_axe(page, where)
    check_phone_layout(page, where)


_FONT_SIZES = """([selector, minimum]) => {
  const small = [];
  for (const root of document.querySelectorAll(selector)) {
    for (const element of [root, ...root.querySelectorAll("*")]) {
      const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      const box = element.getBoundingClientRect();
      if (!own || box.width === 0 || element.closest(".visually-hidden")) continue;
      const size = parseFloat(getComputedStyle(element).fontSize);
      const words = element.textContent.trim().slice(0, 30);
      if (size < minimum) small.push(`${element.tagName} "${words}" ${size}px`);
    }
  }
  return small;
}"""


def check_projector(page: Page, where: str) -> None:
    """The projector view: axe with AAA contrast, and type large enough for the back row."""
    check_axe(page, f"presenter, {where}", ENHANCED_CONTRAST)
    for selector, minimum in PROJECTOR_MIN_PX.items():
        small = page.evaluate(_FONT_SIZES, [selector, minimum])
        assert small == [], (
            f"text under {minimum}px in {selector} on the presenter, {where}: {small}"
        )
