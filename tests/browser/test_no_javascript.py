"""The student's journey on a phone with JavaScript switched off.

axe-core needs scripts, so it checks these same pages in the other tests; here the
layout checks run, and the journey must work with plain forms and links.
"""

import re

from playwright.sync_api import expect

from .conftest import PHONE
from .helpers import Student, Teacher, check_phone_layout, module_with, poll_types, text

K = 5  # the demo school shows results from 5 answers
REFRESH_SECONDS = 5  # the waiting page's <noscript> refresh


def test_a_student_without_javascript_joins_answers_and_sees_the_results(new_context):
    module = module_with(first=("single", "scale"))
    kind = poll_types(module)[0]
    teacher_context = new_context()
    teacher = Teacher(teacher_context.new_page())
    teacher.log_in("nl")
    teacher.start(module, "nl")
    control = teacher_context.new_page()
    control.goto(f"/runs/{teacher.run_id}")

    students = [
        Student(new_context(viewport=PHONE, java_script_enabled=False).new_page(), teacher.code)
        for _ in range(K)
    ]
    phone = students[0].page
    students[0].join_by_typing(teacher.code.lower())
    for student in students[1:]:
        student.join_by_link()
    for student in students:
        student.expect_joined("nl")
    check_phone_layout(phone, "waiting page without JavaScript")

    # The language switch is a plain form: it works without scripts too.
    phone.click(".language-switch button[value='en']")
    expect(phone.locator("h1")).to_have_text(text("Wait for the next question", "en"))

    # A waiting phone reloads itself (a <noscript> refresh) and so finds the open question.
    teacher.act(control, 0, "open")
    expect(phone.locator("form.answer-form")).to_be_visible(timeout=(REFRESH_SECONDS + 5) * 1000)
    expect(phone.locator("legend")).to_have_text(module.text("en").polls[0].question)

    phone.click("form.answer-form button[type=submit]")  # nothing chosen: a clear message
    expect(phone.locator("form.answer-form .error")).to_have_text(text("Choose an answer.", "en"))
    check_phone_layout(phone, "question with an error, without JavaScript")

    for number, student in enumerate(students):
        if number:  # the others reload by hand, as a student would
            student.page.reload()
        student.answer(kind, number)
    for student in students:
        student.expect_saved()
    expect(phone.locator("form.answer-form .error")).to_have_count(0)

    teacher.act(control, 0, "reveal")
    phone.click("main .refresh a")
    expect(phone).to_have_url(re.compile(rf"/live/{teacher.code}$"))
    expect(phone.locator(".bars")).to_be_visible()
    counts = phone.locator(".bar-value .meta").all_inner_texts()
    assert sum(int(re.sub(r"\D", "", count)) for count in counts) == K
    check_phone_layout(phone, "results without JavaScript")
