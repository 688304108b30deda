"""What the browser tests share: people driving pages, the axe check and layout checks."""

import re
from functools import cache
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from classroom.cli import DEMO_PASSWORD
from classroom.lessons.content import Library, Module

ROOT = Path(__file__).resolve().parents[2]
LESSONS_DIR = ROOT / "lessons"
CATALOG = ROOT / "classroom/translations/nl/LC_MESSAGES/messages.po"
TEACHER_EMAIL = "docent@demo.klasgesprek.nl"
COORDINATOR_EMAIL = "coordinator@demo.klasgesprek.nl"
DEMO_CLASS = "3 HAVO B"
LANGUAGES = ("nl", "en")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MIN_TARGET = 44  # px, the touch target the product asks for on student pages


@cache
def _dutch() -> dict[str, str]:
    with CATALOG.open("rb") as file:
        return {m.id: m.string for m in read_po(file) if isinstance(m.id, str) and m.id}


def text(message: str, language: str) -> str:
    """The interface string as a user of this language sees it."""
    return _dutch()[message] if language == "nl" else message


@cache
def library() -> Library:
    """The real lesson modules, as the app under test loads them."""
    return Library(LESSONS_DIR)


def module_with(*types: str, first: tuple[str, ...] = ()) -> Module:
    """A real module with polls of all these types (its first of one of `first`, if given).

    With `first`, the first poll is one that is not sensitive, so its figures all show.
    """
    for slug in sorted(library().modules):
        module = library().modules[slug]
        polls = module.text("nl").polls
        opening = not first or (polls[0].type in first and not polls[0].sensitive)
        if set(types) <= {p.type for p in polls} and opening:
            return module
    raise AssertionError(f"no module in lessons/ has polls of types {types}, first {first}")


def poll_types(module: Module) -> list[str]:
    """The types of a module's polls, in the order a run asks them."""
    return [poll.type for poll in module.text("nl").polls]


_axe = Axe()


def check_axe(page: Page, where: str, extra_rules: tuple[str, ...] = ()) -> None:
    """Fail on any WCAG 2.1 A/AA violation axe-core finds in the page as it is now.

    `extra_rules` switches on rules beyond those tags, such as AAA contrast.
    """
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "rules": {rule: {"enabled": True} for rule in extra_rules},
        "resultTypes": ["violations"],
    }
    violations = _axe.run(page, options=options).response["violations"]
    if violations:
        # A live page may swap its region while axe walks it (its nodes then read as
        # colourless); a violation counts only if it is still there a moment later.
        page.wait_for_timeout(500)
        again = {v["id"] for v in _axe.run(page, options=options).response["violations"]}
        violations = [v for v in violations if v["id"] in again]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(n["target"]) + f" ({n.get('failureSummary', '')})" for n in v["nodes"])
        for v in violations
    ]
    assert report == [], f"axe found violations on {where} ({page.url}):\n" + "\n".join(report)


_LAYOUT_SCRIPT = """(minimum) => {
  const root = document.documentElement;
  const small = [];
  const seen = new Set();
  const selector = "a[href], button, input, select, textarea, summary, [tabindex]";
  for (const element of document.querySelectorAll(selector)) {
    if (element.tabIndex < 0) continue;  // not for fingers, such as <main tabindex="-1">
    // A radio or checkbox is tapped through the label around it.
    const target = element.closest("label") || element;
    if (seen.has(target)) continue;
    seen.add(target);
    const box = target.getBoundingClientRect();
    const style = getComputedStyle(target);
    if (box.width === 0 || box.height === 0 || box.right <= 0 || style.visibility === "hidden")
      continue;
    if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      small.push(`${target.outerHTML.slice(0, 90)}: ${size}`);
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, small: small};
}"""


def check_phone_layout(page: Page, where: str) -> None:
    """No horizontal scrolling and touch targets of at least 44 by 44 px."""
    layout = page.evaluate(_LAYOUT_SCRIPT, MIN_TARGET)
    assert layout["scrollWidth"] <= layout["clientWidth"], (
        f"{where} scrolls sideways: {layout['scrollWidth']} px wide in {layout['clientWidth']} px"
    )
    assert layout["small"] == [], f"touch targets under {MIN_TARGET} px on {where}: " + "; ".join(
        layout["small"]
    )


def choose_language(page: Page, language: str) -> None:
    """Press the language switch of the current page (a no-op when already chosen)."""
    if page.locator("html").get_attribute("lang") != language:
        page.locator(f".language-switch button[value='{language}']").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


class Teacher:
    """The demo teacher in a browser page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.run_id: int | None = None
        self.code: str | None = None

    def log_in(self, language: str, email: str = TEACHER_EMAIL) -> None:
        """Log in on the login page, after choosing the interface language there."""
        page = self.page
        page.goto("/auth/login")
        choose_language(page, language)
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        expect(page).to_have_url(re.compile(r"/$"))

    def start(self, module: Module, language: str) -> None:
        """Start the module for the demo class from its page; lands on the presenter view."""
        page = self.page
        page.goto(f"/lessons/{module.slug}")
        page.select_option("#school_class", label=DEMO_CLASS)
        page.select_option("#language", language)
        page.click(".start-run button[type=submit]")
        expect(page).to_have_url(re.compile(r"/runs/\d+/present$"))
        self.run_id = int(re.search(r"/runs/(\d+)/present", page.url)[1])
        # The code follows "Join code:" (for screen readers), in groups of three digits.
        shown = page.inner_text(".join-code")
        self.code = re.sub(r"\s", "", shown.rsplit(":", 1)[-1])
        assert re.fullmatch(r"[0-9]{9}", self.code), shown

    def act(self, control_page: Page, position: int, action: str) -> None:
        """Open, close or reveal one question with its button on the control page."""
        row = control_page.locator("li.question-row").nth(position)
        with control_page.expect_navigation():
            row.locator(f"form[action$='/{action}'] button").click()


class Student:
    """A student's phone: a browser context of its own, no account.

    The actions return once the browser has sent what the student did, so that a
    whole class can act at once; `expect_*` then waits for each phone's screen.
    """

    def __init__(self, page: Page, code: str) -> None:
        self.page = page
        self.code = code

    def join_by_link(self) -> None:
        """Open the short link (or scan the QR code)."""
        self.page.goto(f"/j/{self.code}", wait_until="commit")

    def join_by_typing(self, typed: str | None = None) -> None:
        """Type the code on the start page, the way a student reads it off the wall."""
        page = self.page
        page.goto("/", wait_until="commit")
        page.fill("#code", self.code if typed is None else typed)
        page.click("main form button[type=submit]")

    def expect_joined(self, language: str) -> None:
        """The live page shows, in this language, that the next question is coming."""
        expect(self.page).to_have_url(re.compile(rf"/live/{self.code}$"))
        expect(self.page.locator("html")).to_have_attribute("lang", language)
        expect(self.page.locator("h1")).to_have_text(text("Wait for the next question", language))

    def answer(self, kind: str, number: int) -> None:
        """Answer the open question; `number` varies the choice between students."""
        form = self.page.locator("form.answer-form")
        expect(form).to_be_visible()  # the phone learns of the question by polling
        if kind == "text":
            form.locator("textarea").fill(f"antwoord {number}")
        else:
            choices = form.locator("label.choice")
            expect(choices.first).to_be_visible()
            count = choices.count()
            choices.nth(number % count).click()
            if kind == "multiple":
                choices.nth((number + 1) % count).click()
        form.locator("button[type=submit]").click()

    def expect_saved(self) -> None:
        """The answer was stored and the phone says so (and sends nothing any more)."""
        expect(self.page.locator("[data-live-status][data-state=saving]")).to_have_count(0)
        expect(self.page.locator(".flash-success")).to_be_visible()
