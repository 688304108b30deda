"""A teacher's live pages swap in a fresh page only when something changed."""

from playwright.sync_api import Page, expect

from .conftest import PHONE, POLL_INTERVAL_MS
from .helpers import Teacher, module_with, poll_types

COUNT_SWAPS = "window.swaps = 0; document.addEventListener('live:swapped', () => window.swaps++)"


def swaps(page: Page) -> int:
    return page.evaluate("window.swaps")


def test_an_unchanged_lesson_swaps_nothing_and_a_change_swaps_once(new_context):
    module = module_with("single")
    teacher = Teacher(new_context().new_page())
    teacher.log_in("en")
    teacher.start(module, "en")
    projector = teacher.page  # the lesson opens on the projector
    control = projector.context.new_page()
    control.goto(f"/runs/{teacher.run_id}")
    companion = projector.context.new_page()
    companion.set_viewport_size(PHONE)
    companion.goto(f"/runs/{teacher.run_id}/companion")
    pages = (projector, control, companion)
    for page in pages:
        page.evaluate(COUNT_SWAPS)
    projector.wait_for_timeout(3 * POLL_INTERVAL_MS)  # the first polls found the same page
    assert [swaps(page) for page in pages] == [0, 0, 0]

    teacher.act(control, poll_types(module).index("single"), "open")
    expect(projector.locator("[data-answer-count]")).to_be_visible()
    projector.wait_for_timeout(3 * POLL_INTERVAL_MS)
    assert swaps(projector) == 1 and swaps(companion) == 1
