"""The whole loop with a full class: 30 phones, one teacher, the projector on the wall.

test_accessibility.py runs axe-core on the same pages; here they must work for a class.
"""

import re

import pytest
from playwright.sync_api import expect

from .helpers import (
    LANGUAGES,
    Student,
    Teacher,
    check_phone_layout,
    choose_language,
    module_with,
    poll_types,
    text,
)

CLASS_SIZE = 30
# How students type a code they read off the wall: any case, with spaces or a dash.
TYPED = ("{code}", "{lower}", "{a} {b}", "{a}-{b}", " {lower} ")


@pytest.mark.parametrize("language", LANGUAGES)
def test_thirty_students_answer_and_see_the_results(new_context, phones, language):
    module = module_with(first=("single", "scale"))
    kind = poll_types(module)[0]
    other = "en" if language == "nl" else "nl"

    teacher = Teacher(new_context().new_page())
    teacher.log_in(language)
    teacher.start(module, language)
    presenter = teacher.page
    code = teacher.code
    control = presenter.context.new_page()
    control.goto(f"/runs/{teacher.run_id}")

    # From here on the projector is never reloaded: everything must come to it by itself.
    navigations = []
    presenter.on("framenavigated", lambda frame: navigations.append(frame.url))
    presenter.evaluate("window.stillTheSamePage = true")

    # The whole class joins at once: half by the link or QR code, half by typing the code.
    students = [Student(page, code) for page in phones(CLASS_SIZE)]
    for number, student in enumerate(students):
        if number % 2 == 0:
            student.join_by_link()
        else:
            typed = TYPED[number // 2 % len(TYPED)]
            student.join_by_typing(
                typed.format(code=code, lower=code.lower(), a=code[:3], b=code[3:])
            )
    for student in students:
        student.expect_joined(language)
    check_phone_layout(students[0].page, "student, waiting")

    # Students choose their own language; the lesson stays in the teacher's.
    choose_language(students[-1].page, other)
    expect(students[-1].page.locator("h1")).to_have_text(text("Wait for the next question", other))

    teacher.act(control, 0, "open")
    question = module.text(language).polls[0].question
    expect(presenter.locator(".present-question")).to_have_text(question)
    expect(presenter.locator("[data-answer-count]")).to_have_text("0")
    for student in students:
        expect(student.page.locator("form.answer-form")).to_be_visible()
    expect(students[0].page.locator("legend")).to_have_text(question)
    expect(students[-1].page.locator("legend")).to_have_text(module.text(other).polls[0].question)
    check_phone_layout(students[0].page, "student, poll open")

    for number, student in enumerate(students):
        student.answer(kind, number)
    for student in students:
        student.expect_saved()
    expect(presenter.locator("[data-answer-count]")).to_have_text(str(CLASS_SIZE))
    check_phone_layout(students[0].page, "student, answered")

    # A change of mind replaces the answer instead of counting twice.
    students[1].answer(kind, 2)
    students[1].expect_saved()
    expect(control.locator("[data-answer-count]")).to_have_text(str(CLASS_SIZE))

    teacher.act(control, 0, "reveal")
    expect(presenter.locator(".bars")).to_be_visible()
    counts = presenter.locator(".bar-value .meta").all_inner_texts()
    assert sum(int(re.sub(r"\D", "", count)) for count in counts) == CLASS_SIZE
    for student in students:
        expect(student.page.locator(".bars")).to_be_visible()
    # "Your answer has been saved" was about the open poll: it goes with it.
    expect(students[0].page.locator(".flash-success")).to_have_count(0)
    check_phone_layout(students[0].page, "student, results")

    assert navigations == [], "the projector view was reloaded"
    assert presenter.evaluate("window.stillTheSamePage") is True
