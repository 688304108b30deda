"""Jihad over two sessions, with a phone that makes every mistake and keeps following."""

import csv
import io
import re

from playwright.sync_api import expect

from .helpers import Student, Teacher, check_axe, library, text
from .test_projector_fit import add_question, answer, check_fits

CLASS = 5  # the default k: results and the comparison appear
ESTIMATE = "Hoeveel leerlingen zagen het stuk al?"


def make_mistake(student: Student, question: str, where: str, invalid=None) -> None:
    """Send the question something it refuses; the phone stays on its live page."""
    page = student.page
    form = page.locator("form.answer-form")
    expect(form).to_contain_text(question)
    still_following(student)
    if invalid is not None:
        form.locator("input[name=answer]").fill(invalid)
    form.locator("button[type=submit]").click()
    expect(page.locator(".error").first).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/live/{student.code}$"))
    check_axe(page, f"student, {where}")
    page.evaluate("window.stillTheSamePage = true")


def still_following(student: Student) -> None:
    """The phone followed the teacher without anyone reloading it."""
    assert student.page.evaluate("window.stillTheSamePage") is True


def everyone_answers(students: list[Student], question: str) -> None:
    """Every phone answers the question once it shows it."""
    for student in students:
        expect(student.page.locator("form.answer-form")).to_contain_text(question)
    for number, student in enumerate(students):
        answer(student, number)
    for student in students:
        student.expect_saved()
        student.page.evaluate("window.stillTheSamePage = true")


def test_jihad_in_two_sessions_with_a_phone_that_makes_every_mistake(new_context, phones):
    module = library().modules["jihad"]
    polls = module.text("nl").polls
    positions = {poll.key: index for index, poll in enumerate(polls)}
    wording = {poll.key: poll.question for poll in polls}
    teacher = Teacher(new_context(viewport={"width": 1024, "height": 768}).new_page())
    teacher.log_in("nl")
    teacher.start(module, "nl")
    projector, run_id = teacher.page, teacher.run_id
    control = projector.context.new_page()
    control.goto(f"/runs/{run_id}")

    students = [Student(page, teacher.code) for page in phones(CLASS)]
    for student in students:
        student.join_by_link()
    for student in students:
        student.expect_joined("nl")
        student.page.evaluate("window.stillTheSamePage = true")
    expect(projector.locator("[data-joined-count]").first).to_have_text(str(CLASS))
    check_fits(projector, "the lobby")
    mistaken = students[0]

    # Session one: the question before the play, with an empty answer first.
    teacher.act(control, positions["excluded-pre"], "open")
    make_mistake(mistaken, wording["excluded-pre"], "an empty scale")
    everyone_answers(students, wording["excluded-pre"])
    teacher.act(control, positions["excluded-pre"], "reveal")
    expect(projector.locator(".stage .bars")).to_be_visible()
    check_fits(projector, "the results before the play")

    # The bell: the teacher asks to end and pauses instead.
    control.goto(f"/runs/{run_id}/end")
    with control.expect_navigation():
        control.locator(f"form[action$='/runs/{run_id}/pause'] button").click()
    for student in students:
        expect(student.page.locator("h1")).to_have_text(text("See you next lesson", "nl"))
        still_following(student)
    check_fits(projector, "the paused lesson")

    # Session two, days later: the same code, the question after the play, the comparison.
    with control.expect_navigation():
        control.locator(f"form[action$='/runs/{run_id}/resume'] button").click()
    teacher.act(control, positions["excluded-post"], "open")
    make_mistake(mistaken, wording["excluded-post"], "an empty scale after the pause")
    everyone_answers(students, wording["excluded-post"])
    teacher.act(control, positions["excluded-post"], "reveal")
    expect(projector.locator(".stage table.comparison")).to_be_visible()
    check_fits(projector, "the comparison over two sessions")
    check_axe(projector, "projector, the comparison")

    # An empty multiple choice, then an estimate out of its range.
    teacher.act(control, positions["belong"], "open")
    make_mistake(mistaken, wording["belong"], "an empty multiple choice")
    everyone_answers(students, wording["belong"])
    add_question(control, "estimate", ESTIMATE, low=0, high=100)
    estimate = control.locator("li.question-row").count() - 1
    teacher.act(control, estimate, "open")
    make_mistake(mistaken, ESTIMATE, "an estimate out of range", invalid="500")
    everyone_answers(students, ESTIMATE)
    teacher.act(control, estimate, "reveal")
    check_fits(projector, "the estimate")

    # A ranking of the teacher's own, ordered with the arrows by keyboard.
    add_question(
        control, "ranking", "Wat is het belangrijkst?", ["Vriendschap", "Eerlijkheid", "Plezier"]
    )
    teacher.act(control, control.locator("li.question-row").count() - 1, "open")
    still_following(mistaken)
    page = mistaken.page
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
    mistaken.expect_saved()

    # The open question: its answers reach the teacher as one batch, approved in place.
    teacher.act(control, positions["feeling"], "open")
    everyone_answers(students, wording["feeling"])
    navigations = []
    control.on("framenavigated", lambda frame: navigations.append(frame.url))
    queue = control.locator(".moderation li")
    expect(queue).to_have_count(CLASS)
    queue.nth(0).locator("form[action$='/approve'] button").focus()
    control.keyboard.press("a")
    expect(queue.nth(0)).to_have_class("moderation-approved")
    assert navigations == [], f"the teacher screen reloaded: {navigations}"

    # The summary opens in a Dutch spreadsheet as columns.
    response = control.request.get(f"/runs/{run_id}/summary.csv")
    assert response.ok
    body = response.body().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][:3] == ["vraag", "tekst", "antwoord"]
    assert {len(row) for row in rows} == {len(rows[0])}
    assert any(row[0] == "excluded-post" and row[3].isdigit() for row in rows)


def test_every_module_page_fits_a_360_px_phone(new_context):
    teacher = Teacher(new_context(viewport={"width": 360, "height": 640}).new_page())
    teacher.log_in("nl")
    page = teacher.page
    for slug in sorted(library().modules):
        page.goto(f"/lessons/{slug}")
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"/lessons/{slug} scrolls sideways: {width}"
