"""Jihad on two days: the session break, the pause, the next session's count and recap."""

from datetime import timedelta

import pytest
from conftest import Staff, run_info
from test_lessons import REAL_LESSONS_DIR

from classroom.coordination.models import Assignment
from classroom.extensions import db
from classroom.polls import flow
from classroom.polls.models import Run
from classroom.timeutil import now_utc


@pytest.fixture
def lessons_dir():
    return REAL_LESSONS_DIR


def on_run(app, run_id, look):
    with app.app_context():
        return look(db.session.get(Run, run_id))


def step_kind(app, run_id) -> tuple[str, str | None]:
    return on_run(
        app, run_id, lambda run: (flow.current_step(run).kind, flow.current_step(run).phase)
    )


def to_session_end(app, teacher, run_id) -> None:
    """Next until the projector is on the last step of the pre-discussion."""
    while not on_run(app, run_id, flow.at_session_end):
        assert teacher.client.post(f"/runs/{run_id}/flow/next").status_code == 303


@pytest.fixture
def jihad(app, teacher):
    run_id = teacher.start_run(teacher.class_id, module="jihad", class_size=3)
    code, questions = run_info(app, run_id)
    return run_id, code, questions


def test_jihad_breaks_after_the_pre_discussion_with_a_recap_before_the_post_poll(app, jihad):
    run_id, _code, _questions = jihad
    kinds = on_run(app, run_id, lambda run: [(s.kind, s.phase) for s in flow.steps(run)])
    recap = kinds.index(("recap", "pre"))
    assert kinds[recap + 1] == ("phase", "post")
    assert all(phase == "pre" for _kind, phase in kinds[1:recap])


def test_next_at_the_session_break_asks_to_pause_and_go_on_moves_to_the_recap(app, teacher, jihad):
    run_id, _code, _questions = jihad
    to_session_end(app, teacher, run_id)
    before = step_kind(app, run_id)
    asked = teacher.client.post(f"/runs/{run_id}/flow/next?from=companion")
    assert asked.status_code == 303
    assert asked.location.endswith(f"/runs/{run_id}/pause?from=companion")
    assert step_kind(app, run_id) == before  # asking moved nothing
    page = teacher.client.get(asked.location).text
    assert "Pauzeren tot de volgende sessie?" in page
    assert 'name="go_on"' in page and 'name="next_session_on"' in page
    went = teacher.client.post(f"/runs/{run_id}/flow/next?from=companion", data={"go_on": "1"})
    assert went.location.endswith(f"/runs/{run_id}/companion")
    assert step_kind(app, run_id) == ("recap", "pre")


@pytest.mark.parametrize("page", ["", "/present", "/companion"])
def test_pause_is_offered_at_every_step_on_every_teacher_screen(app, teacher, jihad, page):
    run_id, _code, _questions = jihad
    steps = on_run(app, run_id, lambda run: len(flow.steps(run)))
    for _ in range(steps):
        html = teacher.client.get(f"/runs/{run_id}{page}").text
        assert f'href="/runs/{run_id}/pause' in html
        teacher.client.post(f"/runs/{run_id}/flow/next", data={"go_on": "1"})
    assert step_kind(app, run_id) == ("end", None)


def test_pause_keeps_the_day_of_the_next_session_for_dashboard_and_coordinator(
    app, teacher, jihad, make_user
):
    run_id, _code, _questions = jihad
    with app.app_context():
        run = db.session.get(Run, run_id)
        assignment = Assignment(
            school_id=run.school_id,
            class_id=run.class_id,
            teacher_id=run.teacher_id,
            module_slug="jihad",
            due_on=now_utc().date(),
        )
        run.assignment = assignment
        db.session.add(assignment)
        db.session.commit()
    day = now_utc().date() + timedelta(days=3)
    paused = teacher.client.post(f"/runs/{run_id}/pause", data={"next_session_on": day.isoformat()})
    assert paused.status_code == 303
    shown = day.strftime("%d-%m-%Y")
    dashboard = teacher.client.get("/").text
    assert f"volgende sessie op {shown}" in dashboard
    assert f'action="/runs/{run_id}/resume"' in dashboard
    assert "Voorbereiden en starten" not in dashboard
    assert f"volgende sessie op {shown}" in teacher.client.get("/runs/").text
    module_page = teacher.client.get("/lessons/jihad").text
    assert "Gepauzeerd met" in module_page and f'action="/runs/{run_id}/resume"' in module_page
    coordinator = make_user("coordinator", school_id=teacher.user["school_id"])
    staff = Staff(app.test_client(), coordinator)
    staff.login()
    assert f"gepauzeerd, volgende sessie op {shown}" in staff.client.get("/school/assignments").text
    overview = staff.client.get("/school/").text
    assert "gepauzeerd" in overview and "loopt nu" not in overview


@pytest.mark.parametrize(
    "day", ["yesterday", "far", "31-02-2026", "<script>alert(1)</script>"], ids=str
)
def test_a_wrong_day_for_the_next_session_is_refused_and_changes_nothing(app, teacher, jihad, day):
    run_id, _code, _questions = jihad
    today = now_utc().date()
    value = {
        "yesterday": (today - timedelta(days=1)).isoformat(),
        "far": (today + timedelta(days=400)).isoformat(),
    }.get(day, day)
    response = teacher.client.post(f"/runs/{run_id}/pause", data={"next_session_on": value})
    assert response.status_code == 400
    assert "<script>alert" not in response.text
    assert 'class="error"' in response.text
    assert on_run(app, run_id, lambda run: run.is_open)


def test_each_session_admits_its_class_and_counts_a_returning_phone_once(
    app, teacher, jihad, student
):
    run_id, code, _questions = jihad  # a class of 3: 5 phones per session
    day_one = [student() for _ in range(5)]
    for phone in day_one:
        assert phone.join(code).status_code == 302
    assert student().join(code).status_code == 403
    teacher.client.post(f"/runs/{run_id}/pause")
    assert teacher.client.post(f"/runs/{run_id}/resume").status_code == 303
    assert on_run(app, run_id, lambda run: (run.session_number, run.joined)) == (2, 0)
    # Three come back on the phone of day 1, each twice; two come on a new device.
    for phone in day_one[:3]:
        assert phone.page(code).status_code == 302  # counted in again through the join link
        assert phone.join(code).status_code == 302
        assert phone.page(code).status_code == 200
    assert on_run(app, run_id, lambda run: run.joined) == 3
    for _ in range(2):
        assert student().join(code).status_code == 302
    assert on_run(app, run_id, lambda run: run.joined) == 5
    assert student().join(code).status_code == 403
    assert day_one[3].join(code).status_code == 403  # full for day 1's phones too


def test_a_phone_of_day_one_answering_on_day_two_is_counted_once(app, teacher, jihad, student):
    run_id, code, _questions = jihad
    phone = student()
    phone.join(code)
    teacher.client.post(f"/runs/{run_id}/pause")
    teacher.client.post(f"/runs/{run_id}/resume")
    post_question = on_run(
        app, run_id, lambda run: next(q.id for q in run.questions if q.phase == "post")
    )
    teacher.act(run_id, post_question, "open")
    assert phone.answer(code, post_question, "3").status_code == 303
    assert phone.answer(code, post_question, "4").status_code == 303
    assert on_run(app, run_id, lambda run: run.joined) == 1


def test_resume_at_the_break_opens_the_next_session_with_what_the_class_saw(
    app, teacher, jihad, student
):
    run_id, code, questions = jihad
    with app.app_context():
        db.session.get(Run, run_id).school.min_answers = 3
        db.session.commit()
    phones = [student() for _ in range(5)]
    for phone in phones:
        phone.join(code)
    shown_question = questions[0]  # "Ik voel me thuis in Nederland", asked again after the play
    teacher.client.post(f"/runs/{run_id}/flow/next")  # rules → phase
    teacher.client.post(f"/runs/{run_id}/flow/next")  # phase → first question (opens it)
    for phone in phones:
        assert phone.answer(code, shown_question, "4").status_code == 303
    teacher.act(run_id, shown_question, "reveal")
    to_session_end(app, teacher, run_id)
    teacher.client.post(f"/runs/{run_id}/flow/next")  # asked to pause: the teacher does
    teacher.client.post(f"/runs/{run_id}/pause")
    assert teacher.client.post(f"/runs/{run_id}/resume").status_code == 303
    assert step_kind(app, run_id) == ("recap", "pre")
    projector = teacher.client.get(f"/runs/{run_id}/present").text
    assert "De vorige keer zei de klas…" in projector
    assert "Ik voel me thuis in Nederland." in projector
    assert "Op basis van 5 antwoorden." in projector
    # Only what the class was shown: a question asked but never revealed stays out.
    hidden = on_run(app, run_id, lambda run: run.questions[1].text("nl")["question"])
    assert hidden not in projector


def test_starting_a_module_again_for_a_class_with_a_paused_lesson_asks_first(app, teacher, jihad):
    run_id, _code, _questions = jihad
    teacher.client.post(f"/runs/{run_id}/pause")
    form = {"module": "jihad", "school_class": teacher.class_id, "language": "nl", "class_size": 3}
    asked = teacher.client.post("/runs/", data=form)
    assert asked.status_code == 409
    assert f'action="/runs/{run_id}/resume"' in asked.text
    assert 'name="second_lesson"' in asked.text
    assert on_run(app, run_id, lambda run: db.session.query(Run).count()) == 1
    started = teacher.client.post("/runs/", data={**form, "second_lesson": "1"})
    assert started.status_code == 303
    assert on_run(app, run_id, lambda run: db.session.query(Run).count()) == 2


def test_the_pause_page_reads_in_english(app, teacher, jihad):
    run_id, _code, _questions = jihad
    teacher.client.post("/language", data={"language": "en", "next": "/"})
    page = teacher.client.get(f"/runs/{run_id}/pause").text
    assert "Pause until the next session?" in page
    assert "Next session on (optional)" in page
