"""The smaller items of issue 24 in Chromium: the overview scrolls in its own frame, and
the own-question form shows one kind's fields and its errors where the teacher looks."""

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import COORDINATOR_EMAIL, Student, Teacher, check_axe, library, text
from .test_projector_fit import add_question

WIDE_MATRIX = 12  # modules in the overview: the library's and the school's own


def share_own_module(page: Page, name: str) -> None:
    """A teacher writes a film module (from the skeleton) and shares it with the school."""
    page.goto("/modules/")
    page.get_by_label(text("a film", "nl"), exact=True).check()
    page.fill("#name", name)
    page.get_by_label(text("Dutch", "nl"), exact=True).check()
    page.click("form[action='/modules/'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/modules/[a-z0-9-]+/edit$"))
    slug = re.search(r"/modules/([a-z0-9-]+)/edit", page.url)[1]
    page.goto(f"/modules/{slug}")
    page.click(f"form[action='/modules/{slug}/share'] button")
    expect(page.locator(".flash-success")).to_be_visible()


@pytest.fixture(scope="module")
def wide_overview(browser, server) -> None:
    """The demo school's overview with at least WIDE_MATRIX modules: own ones added."""
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    Teacher(page).log_in("nl")
    for number in range(max(0, WIDE_MATRIX - len(library().modules))):
        share_own_module(page, f"Overzichtfilm {number + 1}")
    context.close()


_FRAME_SCRIPT = """(frame) => {
  const box = (element) => element.getBoundingClientRect();
  const root = document.documentElement;
  const headers = frame.querySelectorAll("thead th");
  const last = headers[headers.length - 1];
  const corner = headers[0];
  const rowHeader = frame.querySelector("tbody th[scope=row]");
  const before = {frame: box(frame), last: box(last)};
  frame.scrollLeft = frame.scrollWidth;
  const after = {frame: box(frame), last: box(last), row: box(rowHeader), corner: box(corner)};
  frame.scrollLeft = 0;
  return {
    pageWidth: root.scrollWidth, viewport: root.clientWidth, columns: headers.length - 1,
    overflow: getComputedStyle(frame).overflowX, before: before, after: after,
    sticky: [getComputedStyle(corner).position, getComputedStyle(rowHeader).position],
  };
}"""


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 800}, {"width": 360, "height": 640}],
    ids=["wide", "phone"],
)
def test_the_overview_scrolls_inside_its_frame_with_the_classes_in_view(
    new_context, wide_overview, viewport
):
    page = new_context(viewport=viewport).new_page()
    Teacher(page).log_in("nl", email=COORDINATOR_EMAIL)
    page.goto("/school/")
    frame = page.get_by_role("region", name=text("Classes by module, this school year", "nl"))
    expect(frame).to_have_attribute("tabindex", "0")
    found = frame.evaluate(_FRAME_SCRIPT)
    assert found["columns"] >= WIDE_MATRIX
    assert found["pageWidth"] <= found["viewport"], f"the page scrolls sideways: {found}"
    assert found["overflow"] in ("auto", "scroll")
    # The last module is out of sight at first, and in the frame once it has scrolled.
    assert found["before"]["last"]["right"] > found["before"]["frame"]["right"]
    frame_box, last = found["after"]["frame"], found["after"]["last"]
    assert frame_box["left"] <= last["left"] and last["right"] <= frame_box["right"] + 1
    # The class names and the header row stay where they are.
    assert found["sticky"] == ["sticky", "sticky"]
    assert abs(found["after"]["row"]["left"] - frame_box["left"]) <= 2
    assert abs(found["after"]["corner"]["left"] - frame_box["left"]) <= 2
    # A keyboard user scrolls the frame with the arrow keys once it has the focus.
    frame.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(frame) => frame.scrollLeft > 0", arg=frame.element_handle())
    check_axe(page, f"the school overview at {viewport['width']} px")


def open_own_question_form(new_context) -> Page:
    """A teacher at 1024x768 on the teacher screen of a running lesson, the form opened."""
    page = new_context(viewport={"width": 1024, "height": 768}).new_page()
    teacher = Teacher(page)
    teacher.log_in("nl")
    teacher.start(library().modules["jihad"], "nl")
    page.goto(f"/runs/{teacher.run_id}")
    page.locator("details.own-question summary").click()
    return page


def test_the_own_question_form_shows_the_fields_of_the_chosen_kind(new_context):
    page = open_own_question_form(new_context)
    page.select_option("#type", "estimate")
    for field in ("#minimum", "#maximum", "#answer"):
        expect(page.locator(field)).to_be_visible()
    for field in ("#low", "#high", "#options", "#correct"):
        expect(page.locator(field)).to_be_hidden()
    page.select_option("#type", "scale")
    expect(page.locator("#low")).to_be_visible()
    expect(page.locator("#minimum")).to_be_hidden()
    page.select_option("#type", "text")
    expect(page.locator(".own-question [data-for-types]:visible")).to_have_count(0)
    check_axe(page, "the own-question form")


def test_a_refused_question_puts_its_error_summary_in_view_and_in_focus(new_context):
    page = open_own_question_form(new_context)
    page.select_option("#type", "estimate")
    page.fill("#question", "Hoeveel leerlingen zagen het stuk al?")
    page.fill("#minimum", "100")
    page.fill("#maximum", "0")
    with page.expect_navigation():
        page.locator("details.own-question button[type=submit]").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_in_viewport()
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#maximum']")).to_be_visible()
    # The field keeps the kind chosen, and its own message; the link goes to it.
    expect(page.locator("#type")).to_have_value("estimate")
    expect(page.locator("#low")).to_be_hidden()
    expect(page.locator("#maximum-error")).to_have_text(
        summary.locator("a").inner_text().split(": ", 1)[1]
    )
    summary.locator("a[href='#maximum']").click()
    expect(page.locator("#maximum")).to_be_focused()
    expect(page.locator("#maximum")).to_be_in_viewport()
    check_axe(page, "the own-question form with an error")


def test_the_ranking_script_comes_only_with_a_ranking_and_still_works_after_a_swap(
    new_context, phones
):
    teacher = Teacher(new_context(viewport={"width": 1024, "height": 768}).new_page())
    teacher.log_in("nl")
    teacher.start(library().modules["jihad"], "nl")
    control = teacher.page.context.new_page()
    control.goto(f"/runs/{teacher.run_id}")
    (phone,) = phones(1)
    asked: list[str] = []
    phone.on("request", lambda request: asked.append(request.url))
    student = Student(phone, teacher.code)
    student.join_by_link()
    student.expect_joined("nl")
    phone.evaluate("window.stillTheSamePage = true")

    add_question(control, "single", "Eens of oneens?", ["Eens", "Oneens"])
    single = control.locator("li.question-row").count() - 1
    teacher.act(control, single, "open")
    expect(phone.locator("form.answer-form input[type=radio]")).to_have_count(2)
    phone.reload()
    expect(phone.locator("form.answer-form input[type=radio]")).to_have_count(2)
    assert phone.locator("script[src*='ranking.js']").count() == 0
    assert not [url for url in asked if "ranking.js" in url]
    phone.evaluate("window.stillTheSamePage = true")

    teacher.act(control, single, "close")
    add_question(control, "ranking", "Wat eerst?", ["Vriendschap", "Eerlijkheid", "Plezier"])
    teacher.act(control, control.locator("li.question-row").count() - 1, "open")
    ranking = phone.locator("ol.rank-list")
    expect(ranking).to_be_visible()  # enhanced by the script the swapped page asked for
    assert phone.evaluate("window.stillTheSamePage") is True
    assert [url for url in asked if url.endswith("/static/js/ranking.js")]
    phone.get_by_role("button", name="Vriendschap omlaag").click()
    expect(ranking.locator(".rank-name")).to_have_text(["Eerlijkheid", "Vriendschap", "Plezier"])
    phone.locator("form.answer-form button[type=submit]").click()
    student.expect_saved()
    phone.reload()
    expect(phone.locator("ol.rank-list")).to_be_visible()  # loaded with the page itself
    check_axe(phone, "student, a ranking")
