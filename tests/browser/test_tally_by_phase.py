"""Paper in one pass and hands up at the wall, in Chromium.

A paper lesson of Jihad is tallied in one grid per phase (after a refused count
that stores nothing), its printed tally sheet has the grid's rows and letters,
and the results reach the projector with the letters of the slips. A hands-up
lesson is counted with +1 and -1 on the compact screen of a phone.
"""

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from .conftest import PHONE
from .helpers import LANGUAGES, Teacher, check_axe, text
from .test_no_phones import start_jihad
from .test_projector_fit import check_fits


def stored_values(server, run_id: int) -> dict[int, int]:
    """Answers per question of the run, read from the app's database."""
    database = server.log_path.parent / "klasgesprek.sqlite"
    with sqlite3.connect(database) as connection:
        return dict(
            connection.execute(
                "SELECT question_id, count(*) FROM response WHERE question_id IN "
                "(SELECT id FROM question WHERE run_id = ?) GROUP BY question_id",
                (run_id,),
            ).fetchall()
        )


def grid_rows(page) -> list[tuple[str, str]]:
    """Each row's number and its marks (A B C… or 1-5), as the page shows them."""
    rows = []
    for row in page.locator("tbody tr").all():
        number = row.locator("th").inner_text().strip()
        marks = row.locator(".grid-cell label span[aria-hidden], .sheet-mark").all_inner_texts()
        rows.append((number, " ".join(marks)))
    return rows


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_paper_lesson_tallied_in_one_grid(new_context, server, language):
    teacher = Teacher(new_context().new_page())
    teacher.log_in(language)
    start_jihad(teacher, language, "paper")
    projector = teacher.page
    control = projector.context.new_page()
    control.goto(f"/runs/{teacher.run_id}")
    control.locator(".tally-phases li").nth(1).locator("a").first.click()
    expect(control.locator("h1")).to_contain_text(text("Count the slips", language))
    check_axe(control, "the tally grid of a phase")
    shown = grid_rows(control)

    # The printed sheet has the same rows, numbers and letters, black on white.
    sheet = control.context.new_page()
    sheet.goto(control.locator(".tally-print-link a").get_attribute("href"))
    check_axe(sheet, "the tally sheet")
    assert grid_rows(sheet) == shown and any(marks.startswith("A B") for _n, marks in shown)
    sheet.emulate_media(media="print")
    assert sheet.locator(".site-header").is_hidden()
    colours = sheet.evaluate(
        "() => [getComputedStyle(document.querySelector('.sheet-grid td')).color,"
        " getComputedStyle(document.querySelector('.tally-sheet')).backgroundColor]"
    )
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]

    # A negative count is refused at its box and in the summary; nothing is stored.
    boxes = control.locator("tbody tr").filter(has=control.locator("input"))
    control.fill("#slips", "12")
    counted = boxes.count()
    for number in range(boxes.count()):
        inputs = boxes.nth(number).locator("input")
        for index in range(inputs.count()):
            inputs.nth(index).fill(["7", "5"][index] if index < 2 else "0")
    first = boxes.nth(0).locator("input").nth(1)
    first.fill("-5")
    with control.expect_navigation():
        control.click("form.tally-phase button[type=submit]")
    expect(control.locator(".error-summary")).to_be_visible()
    expect(first).to_have_attribute("aria-invalid", "true")
    check_axe(control, "the tally grid with an error")
    assert stored_values(server, teacher.run_id) == {}
    first.fill("5")
    with control.expect_navigation():
        control.click("form.tally-phase button[type=submit]")
    expect(control.locator(".flash-success")).to_be_visible()
    assert sorted(stored_values(server, teacher.run_id).values()) == [12] * counted

    # The multiple-choice question's results on the projector, lettered as on the slips.
    control.goto(f"/runs/{teacher.run_id}")
    rows = control.locator("li.question-row")
    position = rows.count() - 1  # the last question of Jihad: several answers
    teacher.act(control, position, "reveal")
    projector.reload()
    bars = projector.locator(".stage .bars")
    expect(bars).to_be_visible()
    expect(bars.locator(".option-letter").first).to_have_text("A")
    expect(bars.locator(".bar").first).to_contain_text("(7)")
    check_axe(projector, "the projector with results counted in a grid")
    check_fits(projector, "the projector with lettered results")


def test_hands_counted_with_plus_one_on_a_phone(new_context, server):
    phone = new_context(viewport=PHONE).new_page()
    teacher = Teacher(phone)
    teacher.log_in("en")
    start_jihad(teacher, "en", "hands")
    phone.goto(f"/runs/{teacher.run_id}/companion")
    for _ in range(8):
        if phone.locator("[data-hands-count]").count():
            break
        with phone.expect_navigation():
            phone.click(".companion-steps [data-action=next] button")
    form = phone.locator("[data-hands-count]")
    expect(form).to_be_visible()
    heading = phone.locator("#companion-now").inner_text()
    form.locator("#slips").fill("25")
    plus = form.locator(".hands-plus")
    minus = form.locator(".hands-minus")
    expect(plus.first).to_be_visible()  # shown once the script runs
    for index, times in enumerate([3, 4, 2]):
        for _ in range(times):
            plus.nth(index).click()
    minus.nth(2).click()
    minus.nth(4).click()  # never below 0
    numbers = form.locator("input.hands-number")
    assert [numbers.nth(i).input_value() for i in range(numbers.count())] == [
        "3", "4", "1", "0", "0"
    ]  # fmt: skip
    for button in plus.all() + minus.all():
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    layout = phone.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert layout[0] <= layout[1], f"the compact screen scrolls sideways: {layout}"
    check_axe(phone, "the compact screen counting hands")
    assert stored_values(server, teacher.run_id) == {}  # nothing is saved before Save
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/companion$"))
    expect(phone.locator(".flash-success")).to_contain_text("8 raised hands stored")
    expect(phone.locator("#companion-now")).to_have_text(heading)
    assert list(stored_values(server, teacher.run_id).values()) == [8]
    expect(phone.locator("[data-hands-count]")).to_have_count(0)
