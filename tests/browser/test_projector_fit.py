"""The projector fits the wall: every screen of a lesson, at four beamer sizes, unscrolled.

One lesson is given from the lobby to the end, with questions of the teacher's own for the
kinds the module lacks and for the longest wording the forms allow; every screen is measured
at each size.
"""

import re

from playwright.sync_api import Page, expect

from .helpers import Student, Teacher, library

SIZES = ((1024, 768), (1280, 720), (1280, 800), (1920, 1080))
CLASS = 5  # the default k: results appear
MODULE = "polarisation"  # pre/post pairs of a scale and of a single choice, a text poll

# Every box of the projector: the page, its grid, the stage and the join column or strip.
_MEASURE = """async () => {
  // presenter.js fits the type on resize: measure after the next frames.
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const boxes = [document.documentElement, document.querySelector("main"),
    ...document.querySelectorAll(".present-grid, .stage, .join-box, .join-strip")];
  const over = [];
  for (const box of boxes) {
    const name = box.className || box.tagName;
    if (box.scrollHeight > box.clientHeight + 1)
      over.push(`${name}: ${box.scrollHeight} px high in ${box.clientHeight}`);
    if (box.scrollWidth > box.clientWidth + 1)
      over.push(`${name}: ${box.scrollWidth} px wide in ${box.clientWidth}`);
  }
  // Content that spills out of the stage without making it scroll (visible overflow).
  const stage = document.querySelector(".stage");
  if (stage) {
    const bottom = stage.getBoundingClientRect().bottom;
    for (const element of stage.querySelectorAll("*")) {
      const rect = element.getBoundingClientRect();
      if (rect.height && rect.bottom > bottom + 1) {
        const name = `${element.tagName}.${element.className}`;
        over.push(`${name} ends at ${Math.round(rect.bottom)}, the stage at ${Math.round(bottom)}`);
        break;
      }
    }
  }
  const strip = document.querySelector(".join-strip .nowrap");
  if (strip && strip.getClientRects().length > 1) over.push("the join code breaks over two lines");
  return over;
}"""
# Text under 24 px on a screen that presenter.js did not have to make smaller (at 1280x720,
# the size where test_accessibility asks the back row to read 24 px).
_SMALL_TEXT = """() => {
  const small = [];
  for (const root of document.querySelectorAll(".stage:not([class*=fit-]), .join-box")) {
    for (const element of [root, ...root.querySelectorAll("*")]) {
      const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || !element.getBoundingClientRect().width || element.closest(".visually-hidden"))
        continue;
      const size = parseFloat(getComputedStyle(element).fontSize);
      if (size < 24) small.push(`${element.tagName} ${size}px`);
    }
  }
  return small;
}"""

LONG_QUESTION = (
    "Stel dat een klasgenoot in de groepsapp een bericht deelt over een groep mensen dat "
    "jij kwetsend vindt, terwijl anderen het grappig vinden: wat doe jij dan het eerst, en "
    "waarom juist dat en niet iets anders?"
)[:200]
LONG_OPTIONS = [
    f"Antwoord {n}: een langere keuze die bijna de tachtig tekens vol maakt, zoals echt"[:80]
    for n in range(1, 9)
]


def check_fits(page: Page, where: str) -> None:
    """No box of the projector scrolls or spills at any of the four sizes."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        over = page.evaluate(_MEASURE)
        assert over == [], f"{where} at {width}×{height}: " + "; ".join(over)
        if (width, height) == (1280, 720):
            small = page.evaluate(_SMALL_TEXT)
            assert small == [], f"{where}: text under 24 px: " + "; ".join(small)
    page.set_viewport_size({"width": 1024, "height": 768})


def add_question(control: Page, kind: str, question: str, options=(), low=None, high=None):
    """Add a question of the teacher's own on the teacher screen."""
    control.locator("details.own-question summary").click()
    control.select_option("#type", kind)
    control.fill("#question", question)
    if options:
        control.fill("#options", "\n".join(options))
    if low is not None:
        control.fill("#minimum", str(low))
        control.fill("#maximum", str(high))
    with control.expect_navigation():
        control.locator("details.own-question button[type=submit]").click()
    expect(control.locator("li.question-row h3").last).to_have_text(question)


def answer(student: Student, number: int) -> None:
    """Answer whatever the open question asks, a little differently per student."""
    form = student.page.locator("form.answer-form")
    expect(form).to_be_visible()
    if form.locator("select").count():
        selects = form.locator("select")
        count = selects.count()
        for index in range(count):
            selects.nth(index).select_option(str((index + number) % count + 1))
        form.locator("button[type=submit]").click()
    elif form.locator("input[name=answer]:not([type=radio]):not([type=checkbox])").count():
        form.locator("input[name=answer]").fill(str(5 + number * 19))
        form.locator("button[type=submit]").click()
    elif form.locator("textarea").count():
        student.answer("text", number)
    elif form.locator("input[type=checkbox]").count():
        student.answer("multiple", number)
    else:
        student.answer("single", number)


def press(page: Page, role: str) -> None:
    with page.expect_navigation():
        page.locator(f"form[data-action='{role}'] button").click()


def test_every_projector_screen_fits_at_four_sizes(new_context, phones):
    module = library().get(MODULE)
    teacher = Teacher(new_context(viewport={"width": 1024, "height": 768}).new_page())
    teacher.log_in("nl")
    teacher.start(module, "nl")
    projector = teacher.page
    control = projector.context.new_page()
    control.goto(f"/runs/{teacher.run_id}")
    add_question(control, "single", LONG_QUESTION, LONG_OPTIONS)
    add_question(control, "multiple", "Wat past bij jou?", LONG_OPTIONS)
    add_question(control, "ranking", "Wat is het belangrijkst?", [f"Punt {n}" for n in range(6)])
    add_question(control, "estimate", "Hoeveel procent denkt er zo over?", low=0, high=100)

    students = [Student(page, teacher.code) for page in phones(CLASS)]
    for student in students:
        student.join_by_link()
    for student in students:
        student.expect_joined("nl")
    projector.reload()
    expect(projector.locator("[data-joined-count]")).to_have_text(str(CLASS))
    check_fits(projector, "the lobby with the ground rules")

    screens = 1
    counted = False
    while not projector.locator(".present-question", has_text="Bedankt").count():
        press(projector, "next")
        if "/pause" in projector.url:  # the end of lesson 1: go on in the same lesson
            with projector.expect_navigation():
                projector.locator("form:has(input[name=go_on]) button").click()
        screens += 1
        title = projector.locator(".stage h1").inner_text()
        if not projector.locator("form[data-action='reveal']").count():
            check_fits(projector, f"the screen '{title}'")
            if not counted:  # the first phase gets a countdown, which counts down by itself
                projector.select_option(".countdown-form select", "2")
                with projector.expect_navigation():
                    projector.locator(".countdown-form button").click()
                expect(projector.locator(".countdown")).to_have_text(re.compile(r"1:5\d"))
                check_fits(projector, f"the screen '{title}' with a countdown")
                counted = True
            continue
        for number, student in enumerate(students):
            answer(student, number)
        for student in students:
            student.expect_saved()
        expect(projector.locator("[data-answer-count]")).to_have_text(str(CLASS))
        check_fits(projector, f"the open poll '{title}'")
        press(projector, "reveal")
        control.reload()
        approve = control.locator(".moderation form[action$='/approve'] button")
        while waiting := approve.count():  # approved in place, one at a time
            approve.first.click()
            expect(approve).to_have_count(waiting - 1)
        projector.reload()
        expect(projector.locator(".suppressed")).to_have_count(0)
        check_fits(projector, f"the results of '{title}'")
    check_fits(projector, "the end")
    assert projector.locator(".comparison").count() == 0  # the end screen itself
    assert screens > len(module.text("nl").polls) + 4

    control.goto(f"/runs/{teacher.run_id}/end")  # the confirmation page
    control.locator("form[action$='/end'] button").click()
    projector.reload()
    check_fits(projector, "the ended lesson")
    expect(projector.locator(".join-strip")).to_have_count(0)
