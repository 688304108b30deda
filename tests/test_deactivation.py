"""Deactivating a teacher ends, at once, every lesson of theirs that has not ended.

The coordinator deactivates; the polls package ends the runs (the `account_deactivated`
signal), in the same transaction. Results stay with the school; reactivating reopens
nothing.
"""

import re
from datetime import timedelta

import pytest
from conftest import Staff, run_info

from classroom.accounts.models import School, User
from classroom.coordination import services as coordination
from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, Run
from classroom.timeutil import now_utc

SCALE, SINGLE, MULTIPLE = range(3)


def joined(student, code, count):
    phones = [student() for _ in range(count)]
    for phone in phones:
        assert phone.join(code).status_code == 302
    return phones


def answered(teacher, run_id, code, question_id, phones, values):
    teacher.act(run_id, question_id, "open")
    for phone, value in zip(phones, values, strict=True):
        assert phone.answer(code, question_id, value).status_code == 303


def stored(app, question_id):
    with app.app_context():
        return answers.count_answers(db.session.get(Question, question_id))


def run_state(app, run_id):
    with app.app_context():
        run = db.session.get(Run, run_id)
        return run.ended_at, run.paused_at, [q.status for q in run.questions]


@pytest.fixture
def lessons(app, teacher, coordinator, make_user, make_class, student):
    """The teacher's running lesson (answers, one poll open), a paused one (answers), and a
    second teacher's running lesson in the same school."""
    school_id = teacher.user["school_id"]
    running = teacher.start_run(teacher.class_id)
    running_code, running_questions = run_info(app, running)
    phones = joined(student, running_code, 6)
    answered(teacher, running, running_code, running_questions[SINGLE], phones[:5], "01121")
    teacher.act(running, running_questions[SINGLE], "reveal")
    answered(teacher, running, running_code, running_questions[SCALE], phones[:5], "12345")

    paused = teacher.start_run(make_class(school_id, [teacher.user["id"]], name="2 VWO A"))
    paused_code, paused_questions = run_info(app, paused)
    others = joined(student, paused_code, 5)
    answered(teacher, paused, paused_code, paused_questions[SINGLE], others, "11102")
    teacher.act(paused, paused_questions[SINGLE], "reveal")
    assert teacher.client.post(f"/runs/{paused}/pause").status_code == 303

    colleague = Staff(app.test_client(), make_user("teacher", school_id=school_id))
    assert colleague.login().status_code == 302
    theirs = colleague.start_run(make_class(school_id, [colleague.user["id"]], name="4 HAVO C"))
    return {
        "running": (running, running_code, running_questions, phones),
        "paused": (paused, paused_code, paused_questions),
        "colleague": (colleague, theirs),
    }


def test_deactivation_ends_the_teachers_running_and_paused_lessons_at_once(
    app, coordinator, teacher, lessons, student
):
    running, code, questions, phones = lessons["running"]
    paused, paused_code, _paused_questions = lessons["paused"]
    assert run_state(app, paused)[1] is not None and run_state(app, running)[0] is None

    response = coordinator.client.post(f"/school/teachers/{teacher.user['id']}/deactivate")
    assert response.status_code == 303

    for run_id in (running, paused):
        ended_at, _paused_at, statuses = run_state(app, run_id)
        assert ended_at is not None
        assert "open" not in statuses
    # The open poll closed and released what the rule allows (five answers: k).
    with app.app_context():
        scale = db.session.get(Question, questions[SCALE])
        assert scale.status == "closed"
        assert answers.results(scale, "nl").total == 5
    # A phone that had joined, answering now: 410, nothing stored; a changed answer neither.
    assert phones[5].answer(code, questions[SCALE], "3").status_code == 410
    assert phones[0].answer(code, questions[SCALE], "5").status_code == 410
    assert stored(app, questions[SCALE]) == 5
    with app.app_context():
        assert [o.count for o in answers.results(scale, "nl").options] == [1, 1, 1, 1, 1]
    # Neither code admits a new phone.
    assert student().join(code).status_code == 410
    assert student().join(paused_code).status_code == 410


def test_released_results_stay_with_the_school(app, coordinator, teacher, lessons):
    running, _code, questions, _phones = lessons["running"]
    coordinator.client.post(f"/school/teachers/{teacher.user['id']}/deactivate")
    with app.app_context():
        single = answers.results(db.session.get(Question, questions[SINGLE]), "nl")
        assert [o.count for o in single.options] == [1, 3, 1]
    # Two classes' ended lessons, ten answers: the school's figures now count both.
    page = coordinator.client.get("/school/results/sample").text
    assert re.search(r"10 antwoorden · \w+ 2 klassen", page)
    assert teacher.client.get(f"/runs/{running}").status_code == 302  # sessions ended too


def test_a_second_teachers_lesson_is_untouched(app, coordinator, teacher, lessons, student):
    colleague, theirs = lessons["colleague"]
    coordinator.client.post(f"/school/teachers/{teacher.user['id']}/deactivate")
    assert run_state(app, theirs)[0] is None
    code, questions = run_info(app, theirs)
    (phone,) = joined(student, code, 1)
    colleague.act(theirs, questions[SINGLE], "open")
    assert phone.answer(code, questions[SINGLE], "1").status_code == 303
    assert stored(app, questions[SINGLE]) == 1


def test_reactivating_reopens_nothing(app, coordinator, teacher, lessons, student):
    running, code, _questions, _phones = lessons["running"]
    paused, _paused_code, _paused_questions = lessons["paused"]
    coordinator.client.post(f"/school/teachers/{teacher.user['id']}/deactivate")
    ended = {run_id: run_state(app, run_id)[0] for run_id in (running, paused)}
    assert (
        coordinator.client.post(f"/school/teachers/{teacher.user['id']}/activate").status_code
        == 303
    )
    assert {run_id: run_state(app, run_id)[0] for run_id in (running, paused)} == ended
    assert student().join(code).status_code == 410
    again = Staff(app.test_client(), teacher.user)
    assert again.login().status_code == 302
    assert again.client.post(f"/runs/{paused}/resume").status_code == 409


def test_every_path_that_deactivates_ends_the_runs_outside_a_request(app, live_run):
    """The receiver is connected by the polls package itself: a CLI command gets it too.

    A run already past its time limit ends as of that limit, as the expiry job would.
    """
    teacher, run_id, _code, _questions = live_run
    limit = now_utc() - timedelta(minutes=5)
    with app.app_context():
        run = db.session.get(Run, run_id)
        run.expires_at = limit
        db.session.commit()
    with app.app_context():
        user = db.session.get(User, teacher.user["id"])
        coordination.set_active(db.session.get(School, user.school_id), user, False)
        db.session.commit()
    with app.app_context():
        ended_at = db.session.get(Run, run_id).ended_at
        assert ended_at is not None
        assert abs((ended_at - limit.replace(tzinfo=ended_at.tzinfo)).total_seconds()) < 1
