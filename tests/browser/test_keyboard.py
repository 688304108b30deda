"""A teacher gives a whole lesson with the keyboard alone, and always sees where focus is."""

import re

from playwright.sync_api import Locator, Page, expect

from classroom.cli import DEMO_PASSWORD

from .helpers import DEMO_CLASS, TEACHER_EMAIL, module_with

MAX_TABS = 150
MAX_STEPS = 5  # ground rules, a phase, then the first question

# Where focus is must show: a solid outline of at least 2 px with 3:1 contrast
# against what surrounds it (WCAG 2.4.7 and 1.4.11).
_FOCUS_SCRIPT = """() => {
  const element = document.activeElement;
  // Past the last element focus leaves the page (to the address bar), then wraps around.
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const label = (element.textContent || element.value || "").trim().slice(0, 40);
  const name = `${element.tagName} "${label}"`;
  if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2)
    return `${name} has no visible focus outline`;
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = (v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const c = [r, g, b].map((v) => linear(v / 255));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let around = element.parentElement;
  let background = [255, 255, 255];
  while (around) {
    const color = rgb(getComputedStyle(around).backgroundColor);
    if (color.length < 4 || color[3] > 0) { background = color; break; }
    around = around.parentElement;
  }
  if (!around) background = rgb(getComputedStyle(document.documentElement).backgroundColor);
  const [a, b] = [luminance(rgb(style.outlineColor)), luminance(background)];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < 3) return `${name} has a focus outline of contrast ${ratio.toFixed(2)}:1`;
  const box = element.getBoundingClientRect();
  if (box.bottom < 0 || box.top > innerHeight || box.right < 0 || box.left > innerWidth)
    return `${name} has focus but is off screen`;
  return null;
}"""


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until the target has focus; every stop on the way must show focus."""
    page.wait_for_load_state("load")  # as a person would: on the page as it is shown
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        problem = page.evaluate(_FOCUS_SCRIPT)
        assert problem is None, f"on {page.url}: {problem}"
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {MAX_TABS} presses of Tab on {page.url}")


def test_a_teacher_gives_a_lesson_with_the_keyboard_only(new_context):
    module = module_with(first=("single", "scale"))
    page = new_context().new_page()
    page.goto("/auth/login")

    # The first Tab shows the skip link; it leads straight to the form.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["x"] >= 0, "the skip link stays off screen when focused"
    page.keyboard.press("Enter")
    tab_to(page, page.locator("#email"))
    page.keyboard.type(TEACHER_EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/(#main)?$"))  # a redirect keeps the skip link's #main

    tab_to(page, page.locator("header nav a[href='/lessons/']"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/lessons/$"))

    tab_to(page, page.locator(f"main a[href='/lessons/{module.slug}']"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/lessons/{module.slug}$"))

    tab_to(page, page.locator("#school_class"))
    for _ in range(MAX_TABS):  # arrow keys choose in a closed select
        if page.locator("#school_class option:checked").inner_text() == DEMO_CLASS:
            break
        page.keyboard.press("ArrowDown")
    tab_to(page, page.locator(".start-run button[type=submit]"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/runs/\d+/present$"))
    run_id = int(re.search(r"/runs/(\d+)/", page.url)[1])

    # On the projector view: step on to the first question, then show its results.
    presenter = page
    for _ in range(MAX_STEPS):
        if presenter.locator("[data-answer-count]").count():
            break
        tab_to(presenter, presenter.locator(".present-controls form[data-action='next'] button"))
        with presenter.expect_navigation():
            presenter.keyboard.press("Enter")
    expect(presenter.locator("[data-answer-count]")).to_be_visible()  # a poll is open
    tab_to(presenter, presenter.locator(".present-controls form[action*='/reveal'] button"))
    presenter.keyboard.press("Enter")
    expect(presenter.locator(".present-controls form[action*='/reveal']")).to_have_count(0)

    # The teacher screen opens in a tab of its own; there the lesson ends.
    with presenter.context.expect_page() as opened:
        tab_to(presenter, presenter.locator(f".present-controls a[href$='/runs/{run_id}']"))
        presenter.keyboard.press("Enter")
    control = opened.value
    expect(control).to_have_url(re.compile(rf"/runs/{run_id}$"))
    tab_to(control, control.locator(f"a[href$='/runs/{run_id}/end']"))
    control.keyboard.press("Enter")
    expect(control).to_have_url(re.compile(rf"/runs/{run_id}/end$"))  # asks to confirm first
    tab_to(control, control.locator("form[action$='/end'] button"))
    control.keyboard.press("Enter")
    expect(control.locator(".flash-info")).to_be_visible()
