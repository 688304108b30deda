"""Moderation on the compact screen of a 360 x 640 phone: approve and hide by tap, a flagged
disclosure in two steps with the support message beside it, and the word cloud after it."""

import re

from playwright.sync_api import expect

from classroom.polls import words

from .conftest import PHONE
from .helpers import (
    Student,
    Teacher,
    check_axe,
    check_phone_layout,
    library,
    poll_types,
    text,
)

DISCLOSURE = "Mijn vader slaat me"
LONG_WORD = "hottentottententententoonstellingsterrein"
ANSWERS = [DISCLOSURE, LONG_WORD, "blij", "Blij", "moe"]  # k = 5: one batch
SUPPORT = "Zit je ergens mee?"  # the student's support message (nl)


def one_word_module():
    """A real module whose first open question asks for one word, and where it is."""
    for slug in sorted(library().modules):
        module = library().modules[slug]
        polls = module.text("nl").polls
        kinds = poll_types(module)
        if "text" in kinds:
            poll = polls[kinds.index("text")]
            if words.asks_for_one_word([poll.question]):
                return module, kinds.index("text")
    raise AssertionError("no module in lessons/ has a one-word open question")


def start_with_answers(new_context, phones, *, javascript=True):
    """A teacher on a phone with the one-word question open and five answers in its queue."""
    module, position = one_word_module()
    context = new_context(viewport=PHONE, java_script_enabled=javascript, has_touch=True)
    teacher = Teacher(context.new_page())
    teacher.log_in("nl")
    teacher.start(module, "nl")
    teacher.page.goto(f"/runs/{teacher.run_id}")
    teacher.act(teacher.page, position, "open")  # it goes on the projector
    students = [Student(page, teacher.code) for page in phones(len(ANSWERS))]
    for student in students:
        student.join_by_link()
    for student, answer in zip(students, ANSWERS, strict=True):
        form = student.page.locator("form.answer-form")
        form.locator("textarea").fill(answer)
        form.locator("button[type=submit]").click()
    for student in students:
        student.expect_saved()
    teacher.page.goto(f"/runs/{teacher.run_id}/companion")
    return teacher, students, position


def item(page, answer):
    return page.locator(
        ".moderation li",
        has=page.locator(".answer-text", has_text=re.compile(f"^{re.escape(answer)}$")),
    )


def test_a_teacher_moderates_on_the_compact_screen_with_a_flagged_disclosure(new_context, phones):
    teacher, students, _position = start_with_answers(new_context, phones)
    page = teacher.page
    expect(page.locator(".moderation li")).to_have_count(len(ANSWERS))
    check_phone_layout(page, "the compact screen with the queue")
    check_axe(page, "the compact screen with the queue")

    # Approve and hide by tap, in place.
    item(page, "blij").locator("form[data-action='approve'] button").tap()
    expect(item(page, "blij")).to_have_class("moderation-approved")
    item(page, "moe").locator("form[data-action='hide'] button").tap()
    expect(item(page, "moe")).to_have_class("moderation-hidden")

    # The disclosure: A does not approve it, it opens the second step with the reason.
    disclosure = item(page, DISCLOSURE)
    expect(disclosure.locator(".flag")).to_have_text(text("Check this one", "nl"))
    disclosure.focus()
    page.keyboard.press("a")
    reason = disclosure.locator(".flag-reason")
    expect(reason).to_be_visible()
    expect(reason).to_contain_text("zelfbeschadiging, mishandeling")
    expect(reason).to_contain_text("“slaat me”")
    expect(reason).to_contain_text("Toch goedkeuren?")
    confirm = disclosure.locator("form[data-action='approve'] button")
    expect(confirm).to_be_focused()
    # A change made elsewhere swaps the page in; the second step stays open, in focus.
    other = page.context.new_page()
    other.goto(f"/runs/{teacher.run_id}/companion")
    item(other, "Blij").locator("form[data-action='approve'] button").click()
    expect(item(other, "Blij")).to_have_class("moderation-approved")
    expect(item(page, "Blij")).to_have_class("moderation-approved")
    expect(reason).to_be_visible()
    expect(confirm).to_be_focused()
    other.close()
    page.keyboard.press("a")  # again: still only the question, no approval
    page.wait_for_timeout(500)
    expect(disclosure).to_have_class(re.compile(r"\bmoderation-pending\b"))
    check_phone_layout(page, "the compact screen with a second step open")
    check_axe(page, "the compact screen with a second step open")

    # Beside it: the support message, which reaches every student's phone.
    expect(students[0].page.get_by_text(SUPPORT)).to_have_count(0)
    disclosure.get_by_role("button", name="Toon het hulpbericht").tap()
    expect(item(page, DISCLOSURE).locator(".support-on")).to_be_visible()
    for student in students:
        expect(student.page.get_by_text(SUPPORT)).to_be_visible()

    # The second step approves it; the long word is approved by tap.
    disclosure = item(page, DISCLOSURE)
    if not disclosure.locator("details.approve-flagged").evaluate("d => d.open"):
        disclosure.locator("summary").tap()
    disclosure.locator("form[data-action='approve'] button").tap()
    expect(item(page, DISCLOSURE)).to_have_class(re.compile(r"\bmoderation-approved\b"))
    item(page, LONG_WORD).locator("form[data-action='approve'] button").tap()
    expect(item(page, LONG_WORD)).to_have_class("moderation-approved")
    page.reload()  # what was done in place is what the server stored
    expect(page.locator(".moderation li.moderation-approved")).to_have_count(4)
    expect(page.locator(".moderation li.moderation-hidden")).to_have_count(1)

    # Revealed: a one-word question's cloud on a 360 px phone wraps the long word and
    # keeps the disclosure whole and small; nothing scrolls sideways.
    page.locator("form[action*='/reveal'] button").first.tap()
    phone = students[1].page
    cloud = phone.locator(".word-cloud")
    expect(cloud).to_be_visible()
    words_in_cloud = [entry.strip() for entry in cloud.locator("li").all_inner_texts()]
    shown = [re.sub(r"\s*\(\d+\)$", "", entry) for entry in words_in_cloud]
    assert DISCLOSURE in shown, shown
    for loose in ("vader", "slaat", "mijn"):
        assert loose not in shown, shown
    long_entry = cloud.locator("li", has_text=LONG_WORD)
    box = long_entry.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    wide = phone.evaluate(
        "() => Array.from(document.querySelectorAll('body *'))"
        ".filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)"
        ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40))"
    )
    assert wide == [], wide
    check_phone_layout(phone, "the revealed word cloud with a long word")
    check_axe(phone, "the revealed word cloud with a long word")


def test_the_compact_screen_moderates_without_javascript(new_context, phones):
    teacher, _students, _position = start_with_answers(new_context, phones, javascript=False)
    page = teacher.page
    expect(page.locator(".moderation li")).to_have_count(len(ANSWERS))
    check_phone_layout(page, "the compact screen with the queue, without JavaScript")
    with page.expect_navigation():
        item(page, "blij").locator("form[data-action='approve'] button").click()
    expect(page).to_have_url(re.compile(r"/companion$"))
    expect(item(page, "blij")).to_have_class("moderation-approved")

    # The second step is a plain <details>: the first tap shows why, the second approves.
    disclosure = item(page, DISCLOSURE)
    disclosure.locator("summary").click()
    expect(disclosure.locator(".flag-reason")).to_be_visible()
    with page.expect_navigation():
        disclosure.locator("form[data-action='approve'] button").click()
    expect(page).to_have_url(re.compile(r"/companion$"))
    expect(item(page, DISCLOSURE)).to_have_class(re.compile(r"\bmoderation-approved\b"))
    with page.expect_navigation():
        item(page, "moe").locator("form[data-action='hide'] button").click()
    expect(item(page, "moe")).to_have_class("moderation-hidden")
