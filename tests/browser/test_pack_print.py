"""A module's printable pack, as printed: A4 print media, axe clean, in both languages."""

import pytest
from playwright.sync_api import expect

from classroom.lessons.rules import pack_paths

from .helpers import LANGUAGES, LESSONS_DIR, Teacher, check_axe, library

# The pack of a module with handouts when one has them; the slips exist for every module.
SLUG = next((slug for slug in sorted(library().modules) if pack_paths(LESSONS_DIR / slug)), "jihad")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pack_prints_in_black_and_white_with_a_page_per_handout(new_context, language):
    page = new_context().new_page()
    Teacher(page).log_in(language)
    page.goto(f"/lessons/{SLUG}")
    page.locator(f"a[hreflang='{language}'][href='/lessons/{SLUG}/pack/{language}']").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    check_axe(page, f"printable pack ({language}) on screen")

    page.emulate_media(media="print")
    check_axe(page, f"printable pack ({language}) in print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".pack-header .no-print").first).to_be_hidden()
    slips = page.locator(".slip")
    assert slips.count() >= 1
    expect(slips.first).to_be_visible()
    style = page.evaluate(
        """() => {
          const slip = getComputedStyle(document.querySelector('.slip'));
          const handouts = [...document.querySelectorAll('.handout')];
          return {
            breaks: handouts.map((h) => getComputedStyle(h).breakBefore),
            color: getComputedStyle(document.querySelector('.slip-question')).color,
            inside: slip.breakInside,
          };
        }"""
    )
    assert set(style["breaks"]) == {"page"}, style
    assert style["color"] == "rgb(0, 0, 0)"
    assert style["inside"] == "avoid"
    assert page.locator(".slip input").count() == 0  # nothing to type a name into
