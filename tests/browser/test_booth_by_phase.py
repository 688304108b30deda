"""The booth by phase, in the browser: twelve students, one shared device, one turn each.

*Jihad*'s pre-discussion has two questions. By phase, the teacher's Next opens both
at the booth; each of the twelve students answers both in one turn, presses Done, and
hands the device on from the "ready" screen. The same twelve then go through the old
way, one question at a time (twelve turns, the teacher moves on, twelve more). Both
wall-clock times are printed (`pytest -s`); nothing is asserted on time.
"""

import re
import time

from playwright.sync_api import Page, expect

from .helpers import Teacher, check_axe, check_phone_layout, text
from .test_no_phones import nothing_of_an_answer, stored_answers
from .test_projector_fit import check_fits

STUDENTS = 12
LANGUAGE = "nl"
TABLET = {"width": 1024, "height": 768}
PHONE_SIZE = {"width": 360, "height": 640}


def start_booth_lesson(teacher: Teacher) -> None:
    """Start *Jihad* as a booth lesson of twelve; the projector page stays on the teacher's."""
    page = teacher.page
    page.goto("/lessons/jihad")
    page.select_option("#school_class", label="3 HAVO B")
    page.select_option("#language", LANGUAGE)
    page.select_option("#answer_mode", "booth")
    page.fill("#class_size", str(STUDENTS))
    page.click(".start-run button[type=submit]")
    expect(page).to_have_url(re.compile(r"/runs/\d+/present$"))
    teacher.run_id = int(re.search(r"/runs/(\d+)/present", page.url)[1])


def make_booth(new_context, teacher: Teacher) -> Page:
    """The teacher turns a laptop into the booth; the laptop's login ends there."""
    tablet = new_context(viewport=TABLET).new_page()
    Teacher(tablet).log_in(LANGUAGE)
    tablet.goto(f"/runs/{teacher.run_id}/booth")
    tablet.click("main form button[type=submit]")
    expect(tablet).to_have_url(re.compile(r"/booth/$"))
    return tablet


def press_next(page: Page) -> None:
    with page.expect_navigation():
        page.locator("form[action*='/flow/next'] button").first.click()


def take_turn(tablet: Page, number: int, double_click: bool = False) -> None:
    """One student: a choice in every question of the turn, Done, then hand the device on."""
    for section in tablet.locator(".booth-question").all():
        choices = section.locator("label.choice")
        choices.nth((number + 2) % choices.count()).click()
    with tablet.expect_navigation():
        if double_click:
            tablet.dblclick("[data-booth-done]")
        else:
            tablet.click("[data-booth-done]")
    expect(tablet.locator("h1")).to_have_text(text("Ready for the next student?", LANGUAGE))
    with tablet.expect_navigation():
        tablet.click("[data-booth-next]")


def answer_one(tablet: Page, number: int) -> None:
    """One student in the old booth: one choice, Done, the empty form for the next."""
    choices = tablet.locator("form.answer-form label.choice")
    choices.nth(number % choices.count()).click()
    with tablet.expect_navigation():
        tablet.click("[data-booth-done]")
    expect(tablet.locator(".flash-success")).to_be_visible()


def turns_shown(count: int) -> str:
    return f"{count} van de {STUDENTS} " + ("is geweest" if count == 1 else "zijn geweest")


def test_twelve_students_answer_a_phase_in_one_turn_each(new_context, server):
    """The timing of the issue's "Done when": a whole phase by phase, then one at a time."""
    teacher = Teacher(new_context(viewport=TABLET).new_page())
    teacher.log_in(LANGUAGE)
    start_booth_lesson(teacher)
    projector = teacher.page
    tablet = make_booth(new_context, teacher)
    started = time.perf_counter()
    press_next(projector)  # the pre-discussion's step: both of its questions open at the booth
    tablet.reload()
    for number in range(STUDENTS):
        take_turn(tablet, number)
    press_next(projector)  # the teacher moves on: the round closes
    by_phase = time.perf_counter() - started
    assert stored_answers(server, teacher.run_id) == (2 * STUDENTS, 2 * STUDENTS)
    projector.goto(f"/runs/{teacher.run_id}/companion")
    expect(projector.locator(".joined")).to_contain_text(f"{STUDENTS} in het stemhokje")

    # The same twelve, the old way: one question at a time, the teacher moving on between.
    teacher2 = Teacher(new_context(viewport=TABLET).new_page())
    teacher2.log_in(LANGUAGE)
    start_booth_lesson(teacher2)
    control2 = teacher2.page
    control2.goto(f"/runs/{teacher2.run_id}")
    tablet2 = make_booth(new_context, teacher2)
    started = time.perf_counter()
    teacher2.act(control2, 0, "open")  # opened by hand: no round, as before the booth by phase
    tablet2.reload()
    for number in range(STUDENTS):
        answer_one(tablet2, number)
    press_next(control2)  # closes question 1, opens question 2
    tablet2.reload()
    for number in range(STUDENTS):
        answer_one(tablet2, number)
    press_next(control2)
    one_at_a_time = time.perf_counter() - started
    assert stored_answers(server, teacher2.run_id) == (2 * STUDENTS, 2 * STUDENTS)

    print(
        f"\nbooth, {STUDENTS} students, a two-question phase: by phase {by_phase:.1f} s, "
        f"one question at a time {one_at_a_time:.1f} s, "
        f"ratio {one_at_a_time / by_phase:.2f}"
    )


def test_the_round_on_every_screen_and_nothing_left_on_the_booth(new_context, server):
    teacher = Teacher(new_context(viewport=TABLET).new_page())
    teacher.log_in(LANGUAGE)
    start_booth_lesson(teacher)
    projector = teacher.page
    control = projector.context.new_page()
    control.goto(f"/runs/{teacher.run_id}")
    tablet = make_booth(new_context, teacher)
    press_next(projector)
    expect(projector.locator(".booth-round li")).to_have_count(2)
    expect(projector.locator(".booth-turns")).to_contain_text(turns_shown(0))
    check_fits(projector, "the projector with a booth round")
    check_axe(projector, "the projector with a booth round")
    control.reload()
    expect(control.locator(".now .booth-round li")).to_have_count(2)
    check_axe(control, "the teacher screen with a booth round")

    # The waiting booth follows by itself (it reloads every few seconds).
    expect(tablet.locator(".booth-question")).to_have_count(2, timeout=15_000)
    nothing_of_an_answer(tablet)
    check_axe(tablet, "the booth's turn with two questions")
    tablet.set_viewport_size(PHONE_SIZE)
    check_phone_layout(tablet, "the booth's turn at 360×640")
    tablet.set_viewport_size(TABLET)
    take_turn(tablet, 0)
    # Back from the ready screen: a fresh, empty turn, nothing of the last one.
    tablet.go_back()
    expect(tablet).to_have_url(re.compile(r"/booth/ready$"))
    expect(tablet.locator("h1")).to_have_text(text("Ready for the next student?", LANGUAGE))
    tablet.go_back()
    expect(tablet).to_have_url(re.compile(r"/booth/$"))
    nothing_of_an_answer(tablet)
    tablet.goto("/booth/")
    take_turn(tablet, 1, double_click=True)  # Done pressed twice: one turn
    tablet.go_back()
    check_axe(tablet, "the booth's ready screen")
    tablet.set_viewport_size(PHONE_SIZE)
    check_phone_layout(tablet, "the booth's ready screen at 360×640")
    tablet.set_viewport_size(TABLET)
    assert tablet.locator(".bars, .results").count() == 0
    assert stored_answers(server, teacher.run_id) == (4, 4)
    expect(projector.locator(".booth-turns")).to_contain_text(turns_shown(2))
    expect(control.locator(".run-header .joined")).to_contain_text("2 in het stemhokje")
    # Next closes the round: the booth waits, the projector shows the first question.
    press_next(projector)
    tablet.goto("/booth/")
    expect(tablet.locator("h1")).to_have_text(text("The booth is ready", LANGUAGE))
    assert projector.locator(".booth-round").count() == 0
