"""The moderation queue on the teacher screen: live as batches arrive, handled in place."""

from playwright.sync_api import expect

from .helpers import Student, Teacher, module_with, poll_types

CLASS = 5  # the default k: one batch


def test_the_queue_arrives_by_itself_and_is_moderated_without_a_reload(new_context, phones):
    module = module_with("text")
    position = poll_types(module).index("text")
    teacher = Teacher(new_context().new_page())
    teacher.log_in("nl")
    teacher.start(module, "nl")
    control = teacher.page.context.new_page()
    control.goto(f"/runs/{teacher.run_id}")
    teacher.act(control, position, "open")

    students = [Student(page, teacher.code) for page in phones(CLASS)]
    for student in students:
        student.join_by_link()
    for number, student in enumerate(students):
        expect(student.page.locator("form.answer-form textarea")).to_be_visible()
        student.answer("text", number)
    for student in students:
        student.expect_saved()

    # The batch reaches the teacher screen without a reload.
    navigations = []
    control.on("framenavigated", lambda frame: navigations.append(frame.url))
    queue = control.locator(".moderation li")
    expect(queue).to_have_count(CLASS)
    expect(control.locator("[data-moderation-keys]")).to_be_visible()
    control.evaluate("document.querySelector('.moderation').scrollIntoView({block: 'center'})")
    scrolled = control.evaluate("window.scrollY")
    assert scrolled > 0

    first = queue.nth(0)
    first.locator("form[action$='/approve'] button").click()
    expect(first).to_have_class("moderation-approved")
    expect(first.locator("form[action$='/approve']")).to_have_count(0)

    # Keys: H hides the focused answer, J moves on, A approves; a hidden one can come back.
    second = queue.nth(1)
    second.locator("form[action$='/hide'] button").focus()
    control.keyboard.press("h")
    expect(second).to_have_class("moderation-hidden")
    expect(second).to_be_focused()  # the answer keeps the focus after it was swapped in
    control.keyboard.press("a")
    expect(second).to_have_class("moderation-approved")
    control.keyboard.press("j")
    expect(queue.nth(2)).to_be_focused()
    control.keyboard.press("a")
    expect(queue.nth(2)).to_have_class("moderation-approved")

    assert navigations == [], f"the teacher screen reloaded: {navigations}"
    assert abs(control.evaluate("window.scrollY") - scrolled) < 5  # no jump
    # What was done in place is what the server stored.
    control.reload()
    expect(control.locator(".moderation li.moderation-approved")).to_have_count(3)
