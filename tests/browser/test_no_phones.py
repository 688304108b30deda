"""Lessons without a phone each, in the browser: the booth on one shared device, tallies.

One browser context is the shared tablet; twelve students answer on it in turn.
After every "Done" neither the page nor the back button holds anything of the
previous answer, the twelve answers have twelve pseudonyms, and results appear
only on the teacher's screens, only after they are released.
"""

import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect

from .helpers import LANGUAGES, Teacher, check_axe, library, text

STUDENTS = 12


def start_jihad(teacher: Teacher, language: str, mode: str, class_size: int | None = None) -> None:
    page = teacher.page
    page.goto("/lessons/jihad")
    page.select_option("#school_class", label="3 HAVO B")
    page.select_option("#language", language)
    page.select_option("#answer_mode", mode)
    if class_size is not None:
        page.fill("#class_size", str(class_size))
    page.click(".start-run button[type=submit]")
    expect(page).to_have_url(re.compile(r"/runs/\d+/present$"))
    teacher.run_id = int(re.search(r"/runs/(\d+)/present", page.url)[1])


def nothing_of_an_answer(page: Page, previous: str | None = None) -> None:
    """The booth form is empty: no choice checked, no text typed, no results."""
    expect(page.locator("form.answer-form")).to_be_visible()
    assert page.locator("input:checked").count() == 0
    for box in page.locator("textarea, input[type=text], input[type=number]").all():
        assert box.input_value() == ""
    assert page.locator(".bars, .open-answers, .ranking").count() == 0
    if previous:
        assert previous not in page.content()


def stored_answers(server, run_id: int) -> tuple[int, int]:
    """Rows and distinct pseudonyms of the run's answers, read from the app's database."""
    database = server.log_path.parent / "klasgesprek.sqlite"
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT count(*), count(DISTINCT pseudonym) FROM response "
            "WHERE question_id IN (SELECT id FROM question WHERE run_id = ?)",
            (run_id,),
        ).fetchone()


@pytest.mark.parametrize("language", LANGUAGES)
def test_twelve_students_answer_in_turn_on_one_shared_device(new_context, server, language):
    teacher = Teacher(new_context().new_page())
    teacher.log_in(language)
    start_jihad(teacher, language, "booth")
    projector = teacher.page
    expect(projector.locator(".join-box")).to_contain_text(
        text("The booth is in the corner.", language)
    )
    control = projector.context.new_page()
    control.goto(f"/runs/{teacher.run_id}")

    tablet = new_context().new_page()
    Teacher(tablet).log_in(language)
    tablet.goto(f"/runs/{teacher.run_id}/booth")
    check_axe(tablet, "the page that makes a device the booth")
    tablet.click("main form button[type=submit]")
    expect(tablet).to_have_url(re.compile(r"/booth/$"))
    expect(tablet.locator("h1")).to_have_text(text("The booth is ready", language))
    # The teacher's login is gone on the tablet.
    tablet.goto(f"/runs/{teacher.run_id}")
    expect(tablet).to_have_url(re.compile(r"/auth/login"))
    tablet.goto("/booth/")

    teacher.act(control, 0, "open")  # the first question: a scale
    tablet.reload()
    nothing_of_an_answer(tablet)
    check_axe(tablet, "the booth with a question")
    for number in range(STUDENTS):
        choices = tablet.locator("form.answer-form label.choice")
        choices.nth(number % choices.count()).click()
        with tablet.expect_navigation():
            tablet.click("[data-booth-done]")
        expect(tablet.locator(".flash-success")).to_be_visible()
        nothing_of_an_answer(tablet)
        tablet.go_back()
        expect(tablet).to_have_url(re.compile(r"/booth/$"))
        nothing_of_an_answer(tablet)
    check_axe(tablet, "the booth after an answer")
    assert stored_answers(server, teacher.run_id) == (STUDENTS, STUDENTS)

    # Before the release the teacher sees a count only; the booth never sees results.
    control.reload()
    assert control.locator("li.question-row").nth(0).locator(".bars").count() == 0
    teacher.act(control, 0, "reveal")
    expect(control.locator("li.question-row").nth(0).locator(".bars")).to_be_visible()
    tablet.reload()
    assert tablet.locator(".bars, .results").count() == 0

    # An open answer: typed, done, gone.
    teacher.act(control, 2, "open")
    tablet.reload()
    tablet.fill("form.answer-form textarea", "mijn geheime antwoord")
    with tablet.expect_navigation():
        tablet.click("[data-booth-done]")
    nothing_of_an_answer(tablet, "mijn geheime antwoord")
    tablet.go_back()
    nothing_of_an_answer(tablet, "mijn geheime antwoord")

    # The teacher ends the round; the tablet takes no more answers.
    with control.expect_navigation():
        control.locator("form[action$='/booth/end'] button").click()
    tablet.reload()
    expect(tablet.locator("h1")).to_have_text(text("The booth is closed", language))
    check_axe(tablet, "the closed booth")
    assert stored_answers(server, teacher.run_id) == (STUDENTS + 1, STUDENTS + 1)


@pytest.mark.parametrize("language", LANGUAGES)
def test_paper_slips_counted_in_the_tally_screen(new_context, language):
    teacher = Teacher(new_context().new_page())
    teacher.log_in(language)
    start_jihad(teacher, language, "paper")
    expect(teacher.page.locator(".join-box")).to_contain_text(
        text("Fill in your slip, fold it, put it in the box.", language)
    )
    page = teacher.page
    page.goto(f"/runs/{teacher.run_id}")
    check_axe(page, "the teacher screen of a paper lesson")
    page.locator("li.question-row").nth(0).locator(".tally-links a").first.click()
    expect(page.locator("h1")).to_have_text(text("Count the slips", language))
    check_axe(page, "the tally screen")
    page.fill("#slips", "6")
    for index, count in enumerate(["1", "-2", "1", "1", "1"]):
        page.fill(f"#count_{index}", count)
    page.click("main form.tally-form button[type=submit]")
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page.locator("#count_1")).to_have_attribute("aria-invalid", "true")
    check_axe(page, "the tally screen with an error")
    page.fill("#count_1", "2")
    with page.expect_navigation():
        page.click("main form.tally-form button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()
    row = page.locator("li.question-row").nth(0)
    row.locator("form[action$='/release'] button").click()
    expect(page.locator("li.question-row").nth(0).locator(".counted-by")).to_have_text(
        text("counted by hand", language)
    )
    check_axe(page, "the teacher screen with results counted by hand")
    # Hands up, on a question that is not sensitive: the screen says it is not anonymous.
    polls = library().modules["jihad"].text(language).polls
    position = next(i for i, poll in enumerate(polls) if poll.type == "multiple")
    # A paper lesson speaks only of slips; hands up is offered once the lesson is hands up.
    expect(page.locator("li.question-row").nth(position).locator(".tally-links a")).to_have_count(1)
    page.select_option(".answer-mode #answer_mode", "hands")
    with page.expect_navigation():
        page.click(".answer-mode button[type=submit]")
    page.locator("li.question-row").nth(position).locator(".tally-links a").first.click()
    expect(page.locator("h1")).to_have_text(text("Count the raised hands", language))
    expect(page.locator(".not-anonymous")).to_be_visible()
    check_axe(page, "the hands-up tally screen")
