"""Phones and the projector ride out faults: a 503 or no network is waited out on the page.

The faults are made in the browser (`page.route`), so they hit exactly the requests
named, whatever the server does: the state polls answer 503 or fail as a network
error for a while, and an answer's first sends are refused or their reply is lost.
The lesson runs in English, so the status texts read as their msgids.
"""

import re
import time

from playwright.sync_api import expect

from .helpers import Student, Teacher, check_axe, check_phone_layout, module_with, poll_types

LOST = "Connection lost — trying again…"
RETRY_AFTER = 3  # seconds, more than the test server's poll interval of 1 s


def start_lesson(new_context, phones):
    """A teacher with the projector and the teacher screen open, and one joined phone."""
    module = module_with(first=("single", "scale"))
    teacher = Teacher(new_context().new_page())
    teacher.log_in("en")
    teacher.start(module, "en")
    control = teacher.page.context.new_page()
    control.goto(f"/runs/{teacher.run_id}")
    student = Student(phones(1)[0], teacher.code)
    student.join_by_link()
    student.expect_joined("en")
    return module, teacher, control, student


class FailingFor:
    """A route handler: the first requests fail (503s, then no network), then pass.

    It keeps when each request came, to check that the page waited as asked.
    """

    def __init__(self, unavailable: int, unreachable: int) -> None:
        self.faults = ["503"] * unavailable + ["network"] * unreachable
        self.times: list[float] = []

    def __call__(self, route) -> None:
        self.times.append(time.monotonic())
        if len(self.times) > len(self.faults):
            route.continue_()
        elif self.faults[len(self.times) - 1] == "503":
            route.fulfill(
                status=503,
                headers={"Retry-After": str(RETRY_AFTER), "Content-Type": "application/json"},
                body='{"error": "busy"}',
            )
        else:
            route.abort("internetdisconnected")

    def failed(self) -> bool:
        """All faults were served."""
        return len(self.times) >= len(self.faults)


def navigations_of(page) -> list[str]:
    """The addresses this page loads from now on (a swap is not one)."""
    loaded: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: loaded.append(frame.url) if frame == page.main_frame else None,
    )
    page.evaluate("window.stillTheSamePage = true")
    return loaded


def test_phone_and_projector_stay_on_their_page_and_catch_up(new_context, phones):
    module, teacher, control, student = start_lesson(new_context, phones)
    phone, projector = student.page, teacher.page
    phone_moved, projector_moved = navigations_of(phone), navigations_of(projector)
    phone_polls, projector_polls = FailingFor(2, 1), FailingFor(2, 1)
    phone.route(re.compile(rf"/live/{teacher.code}/state$"), phone_polls)
    projector.route(re.compile(rf"/runs/{teacher.run_id}/state$"), projector_polls)

    # The polls fail: both pages say so, politely, and stay where they are.
    for page in (phone, projector):
        status = page.locator("[data-live-status]")
        expect(status).to_have_text(LOST)
        expect(status).to_have_attribute("role", "status")
    check_axe(phone, "student, connection lost")
    check_phone_layout(phone, "student, connection lost")
    check_axe(projector, "projector, connection lost")

    # Meanwhile the teacher opens the first question; the pages cannot know yet.
    teacher.act(control, 0, "open")
    expect(phone.locator("h1")).to_have_text("Wait for the next question")

    # The faults pass: each page finds the question by itself, and the status goes.
    question = module.text("en").polls[0].question
    expect(phone.locator("form.answer-form legend")).to_have_text(question, timeout=30_000)
    expect(projector.locator(".present-question")).to_have_text(question, timeout=30_000)
    for page in (phone, projector):
        expect(page.locator("[data-live-status]")).to_have_text("")
    assert phone_polls.failed() and projector_polls.failed()
    for polls in (phone_polls, projector_polls):
        # After a 503 with Retry-After the next poll waited that long (its interval is 1 s).
        assert polls.times[1] - polls.times[0] >= RETRY_AFTER - 0.1, polls.times
        assert polls.times[2] - polls.times[1] >= RETRY_AFTER - 0.1, polls.times
    assert phone_moved == [] and projector_moved == []
    assert phone.evaluate("window.stillTheSamePage") is True
    assert projector.evaluate("window.stillTheSamePage") is True

    # A real answer of the server still moves the phone: the lesson ends, the phone says so.
    control.goto(f"/runs/{teacher.run_id}/end")
    with control.expect_navigation():
        control.locator("form[action$='/end'] button").click()
    expect(phone.locator("main")).to_contain_text("This lesson has ended.")
    assert [re.sub(r"^https?://[^/]+", "", url) for url in phone_moved] == [f"/live/{teacher.code}"]


def test_an_answer_is_sent_until_it_is_saved_and_counts_once(new_context, phones):
    module, teacher, control, student = start_lesson(new_context, phones)
    phone = student.page
    teacher.act(control, 0, "open")
    form = phone.locator("form.answer-form")
    expect(form).to_be_visible()
    still = navigations_of(phone)

    # Nothing chosen: the server's message shows on the page, and nothing is saved.
    form.locator("button[type=submit]").click()
    expect(form.locator(".error")).to_have_text("Choose an answer.")
    status = phone.locator("[data-live-status]")
    expect(status).not_to_have_attribute("data-state", "saved")

    # The first send is stored but its reply is lost; the second is refused (503).
    sent: list[int] = []

    def first_two_fail(route) -> None:
        sent.append(route.request.method)
        if len(sent) == 1:
            route.fetch()  # the server stores it ...
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="busy")  # ... unheard
        elif len(sent) == 2:
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="busy")
        else:
            route.continue_()

    phone.route(re.compile(rf"/live/{teacher.code}/questions/\d+$"), first_two_fail)
    student.answer(poll_types(module)[0], 1)
    expect(status).to_have_text("Saving…")
    button = phone.locator("form.answer-form button[type=submit]")
    expect(button).to_have_attribute("aria-disabled", "true")
    check_axe(phone, "student, saving an answer")
    button.click(force=True)  # a second press while it is on its way sends nothing more
    expect(status).to_have_text("Saved", timeout=20_000)
    expect(status).to_have_attribute("data-state", "saved")
    student.expect_saved()
    check_axe(phone, "student, answer saved")
    check_phone_layout(phone, "student, answer saved")
    assert sent == ["POST"] * 3, sent
    # Stored once, though the server received it twice.
    expect(control.locator("[data-answer-count]").first).to_have_text("1")
    expect(teacher.page.locator("[data-answer-count]")).to_have_text("1")

    # The poll closes while the phone cannot hear it: its answer is refused with the
    # server's own message, on the same page.
    phone.unroute(re.compile(rf"/live/{teacher.code}/questions/\d+$"))
    phone.route(
        re.compile(rf"/live/{teacher.code}/state$"),
        lambda route: route.fulfill(status=503, body="busy"),
    )
    teacher.act(control, 0, "close")
    student.answer(poll_types(module)[0], 2)
    expect(phone.locator(".flash-error")).to_have_text(
        "This poll is closed. Your answer was not saved."
    )
    expect(status).not_to_have_attribute("data-state", "saved")
    expect(control.locator("[data-answer-count]").first).to_have_text("1")
    assert still == []
    assert phone.evaluate("window.stillTheSamePage") is True
    expect(phone).to_have_url(re.compile(rf"/live/{teacher.code}$"))
