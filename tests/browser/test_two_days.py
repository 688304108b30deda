"""*Jihad* on two days with a class of 25: the pause at the session break, the resume from
the dashboard, day 2's phones (15 of day 1, 10 new) all admitted, the recap, the comparison.
"""

import re
from datetime import timedelta

from playwright.sync_api import expect

from classroom.timeutil import now_utc

from .helpers import Student, Teacher, check_axe, text
from .test_no_phones import start_jihad
from .test_projector_fit import check_fits

CLASS_SIZE = 25
LANGUAGE = "nl"


HOME = "Ik voel me thuis in Nederland."
EXCLUDED = "Ik begrijp waarom jongeren zich buitengesloten kunnen voelen."


def everyone_answers(students: list[Student], presenter, number: int, question=HOME) -> None:
    """Every phone answers a scale question once it shows it."""
    for index, student in enumerate(students):
        expect(student.page.locator("form.answer-form legend")).to_have_text(question)
        student.answer("scale", index + number)
    for student in students:
        student.expect_saved()
    expect(presenter.locator("[data-answer-count]")).to_have_text(str(len(students)))


def press_next(control) -> None:
    with control.expect_navigation():
        control.locator("[data-action=next] button").first.click()


def test_jihad_over_two_days_with_a_class_of_25(new_context, phones):
    teacher = Teacher(new_context().new_page())
    teacher.log_in(LANGUAGE)
    start_jihad(teacher, LANGUAGE, "devices", CLASS_SIZE)
    teacher.code = re.sub(r"\s", "", teacher.page.inner_text(".join-code").rsplit(":", 1)[-1])
    presenter, run_id = teacher.page, teacher.run_id
    control = presenter.context.new_page()
    control.goto(f"/runs/{run_id}/companion")

    # Day 1: the whole class on its phones.
    day_one = [Student(page, teacher.code) for page in phones(CLASS_SIZE)]
    for student in day_one:
        student.join_by_link()
    for student in day_one:
        student.expect_joined(LANGUAGE)
    expect(presenter.locator("[data-joined-count]")).to_have_text(str(CLASS_SIZE))

    press_next(control)  # the ground rules → the pre-discussion
    press_next(control)  # → "Ik voel me thuis in Nederland", open
    for question in (HOME, EXCLUDED):
        if question == EXCLUDED:
            press_next(control)
        everyone_answers(day_one, presenter, 0, question)
        with control.expect_navigation():
            control.locator("[data-action=reveal] button").click()
        expect(presenter.locator(".bars")).to_be_visible()

    # At the end of the pre-discussion Next asks for the pause, with the day of the next lesson.
    while "/pause" not in control.url:
        press_next(control)
    expect(control.locator("h1")).to_have_text(text("Pause until the next session?", LANGUAGE))
    check_axe(control, "the pause at the session break")
    next_day = now_utc().date() + timedelta(days=2)
    control.fill("#next_session_on", next_day.isoformat())
    with control.expect_navigation():
        control.get_by_role(
            "button", name=text("Pause until the next session", LANGUAGE), exact=True
        ).click()
    for student in day_one:
        expect(student.page.locator(".waiting.paused")).to_be_visible()
    # Ten leave their phone at home: on day 2 they come on another device.
    for student in day_one[15:]:
        student.page.goto("about:blank")
        student.page.context.clear_cookies()

    # Day 2: the dashboard says where the class stopped and resumes it.
    dashboard = control
    dashboard.goto("/")
    paused_row = dashboard.locator("li", has_text=text("paused", LANGUAGE)).first
    expect(paused_row).to_contain_text(next_day.strftime("%d-%m-%Y"))
    with dashboard.expect_navigation():
        paused_row.get_by_role("button", name=text("Resume", LANGUAGE)).click()
    expect(presenter.locator(".present-question")).to_have_text(
        text("Last time the class said…", LANGUAGE)
    )
    expect(presenter.locator(".recap")).to_contain_text(HOME)
    expect(presenter.locator(".recap")).to_contain_text(EXCLUDED)
    check_axe(presenter, "the recap on the projector")
    check_fits(presenter, "the recap")

    # Fifteen come back on the same phone (their page follows by itself), ten on another device.
    back = day_one[:15]
    for student in day_one[15:]:
        student.join_by_link()
    for student in day_one:  # in the lesson again, showing what the class saw last
        expect(student.page).to_have_url(re.compile(rf"/live/{teacher.code}$"))
        expect(student.page.locator("h1")).to_have_text(EXCLUDED)
    expect(presenter.locator("[data-joined-count]")).to_have_text(str(CLASS_SIZE))
    assert all(student.page.locator(".waiting.paused").count() == 0 for student in back)

    control.goto(f"/runs/{run_id}/companion")
    press_next(control)  # the recap → the post-discussion
    press_next(control)  # → the open question "feeling"
    press_next(control)  # → "Ik voel me thuis in Nederland" again
    everyone_answers(day_one, presenter, 1)
    with control.expect_navigation():
        control.locator("[data-action=reveal] button").click()
    expect(presenter.locator(".comparison")).to_be_visible()
