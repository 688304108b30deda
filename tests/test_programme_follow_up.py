"""A programme's follow-up session: the "before" polls asked again some weeks later."""

from datetime import date, timedelta

import pytest
from conftest import Staff, run_info
from test_lessons import REAL_LESSONS_DIR
from test_programme_results import World, spread

from classroom.catalogue.store import keep_version
from classroom.coordination.models import Assignment
from classroom.extensions import db
from classroom.lessons.content import get_library
from classroom.polls import flow, sessions
from classroom.polls.models import Response, Run
from classroom.programmes.models import Municipality, Programme, ProgrammeSchool
from classroom.timeutil import now_utc


@pytest.fixture
def lessons_dir():
    return REAL_LESSONS_DIR


@pytest.fixture
def programme(app, teacher, make_user):
    """Jihad in a programme of Delft that the teacher's school accepted; its lead logged in."""
    school_id = teacher.user["school_id"]
    with app.app_context():
        module = get_library().get("jihad")
        delft = Municipality(name="Gemeente Delft")
        db.session.add(delft)
        db.session.flush()
        today = now_utc().date()
        programme = Programme(
            municipality_id=delft.id,
            name="Jihad 2026/27",
            module_slug="jihad",
            module_version=keep_version(module, None),
            titles={"nl": module.text("nl").title},
            starts_on=today,
            ends_on=today + timedelta(days=90),
        )
        programme.schools.append(ProgrammeSchool(school_id=school_id, status="accepted"))
        db.session.add(programme)
        db.session.commit()
        programme_id, delft_id = programme.id, delft.id
    lead = Staff(app.test_client(), make_user("lead", municipality_id=delft_id))
    assert lead.login().status_code == 302
    return programme_id, lead


def start_for_programme(app, teacher, programme_id) -> int:
    """The coordinator's assignment of the programme, and the teacher's lesson for it."""
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        assignment = Assignment(
            school_id=teacher.user["school_id"],
            class_id=teacher.class_id,
            teacher_id=teacher.user["id"],
            module_slug="jihad",
            due_on=now_utc().date(),
            programme_id=programme.id,
            module_version=programme.module_version,
        )
        db.session.add(assignment)
        db.session.commit()
        assignment_id = assignment.id
    data = {
        "module": "jihad",
        "school_class": teacher.class_id,
        "language": "nl",
        "class_size": 3,
        "assignment": assignment_id,
    }
    started = teacher.client.post("/runs/", data=data)
    assert started.status_code == 303, started.text
    return int(started.location.split("/")[-2])


def on_run(app, run_id, look):
    with app.app_context():
        return look(db.session.get(Run, run_id))


def later_questions(run: Run) -> list[tuple[str, str | None]]:
    return [(q.key, q.compare_to) for q in run.questions if q.phase == sessions.FOLLOW_UP]


def test_a_lesson_of_a_programme_with_a_follow_up_asks_the_before_polls_again(
    app, teacher, programme
):
    programme_id, lead = programme
    day = now_utc().date() + timedelta(days=42)
    set_day = lead.client.post(
        f"/programmes/{programme_id}/follow-up", data={"follow_up_on": day.isoformat()}
    )
    assert set_day.status_code == 303
    run_id = start_for_programme(app, teacher, programme_id)

    assert on_run(app, run_id, lambda run: run.programme_id) == programme_id
    later = on_run(app, run_id, later_questions)
    compared = on_run(app, run_id, lambda run: {q.compare_to for q in run.questions} - {None})
    assert later and {before for _key, before in later} == compared
    assert all(key == f"{before}_later" for key, before in later)
    phases = on_run(app, run_id, lambda run: run.phases["nl"])
    assert [p["key"] for p in phases][-1] == sessions.FOLLOW_UP
    assert phases[-2]["session_ends"] and phases[-1]["on"] == day.isoformat()
    assert on_run(app, run_id, lambda run: run.phases["en"][-1]["title"]).startswith("Follow-up")
    assert on_run(app, run_id, lambda run: run.phases["nl"][-1]["title"]).startswith("Vervolg")


def test_the_lesson_pauses_until_the_follow_up_and_then_asks_it(app, teacher, programme, student):
    programme_id, lead = programme
    day = now_utc().date() + timedelta(days=42)
    lead.client.post(
        f"/programmes/{programme_id}/follow-up", data={"follow_up_on": day.isoformat()}
    )
    run_id = start_for_programme(app, teacher, programme_id)
    # Two sessions: up to the end of the post-discussion, where the follow-up break lies.
    for _session in range(2):
        while not on_run(app, run_id, flow.at_session_end):
            assert teacher.client.post(f"/runs/{run_id}/flow/next").status_code == 303
        paused = teacher.client.post(f"/runs/{run_id}/pause")
        assert paused.status_code == 303
        if _session == 0:
            assert teacher.client.post(f"/runs/{run_id}/resume").status_code == 303
    assert on_run(app, run_id, sessions.follow_up_ahead)
    # A paused lesson with its follow-up ahead lasts until some weeks after the day.
    expires = on_run(app, run_id, lambda run: run.expires_at.date())
    assert expires >= day + timedelta(days=app.config["RUN_PAUSED_MAX_DAYS"]) - timedelta(days=1)
    page = teacher.client.get(f"/runs/{run_id}")
    assert page.status_code == 200

    assert teacher.client.post(f"/runs/{run_id}/resume").status_code == 303
    code, _questions = run_info(app, run_id)
    later_ids = on_run(
        app, run_id, lambda run: [q.id for q in run.questions if q.phase == sessions.FOLLOW_UP]
    )
    # The third session opens with the recap, then the follow-up phase and its polls.
    assert on_run(app, run_id, lambda run: flow.current_step(run).kind) == "recap"
    teacher.client.post(f"/runs/{run_id}/flow/next")
    assert on_run(app, run_id, lambda run: flow.current_step(run).phase) == sessions.FOLLOW_UP
    teacher.client.post(f"/runs/{run_id}/flow/next")
    assert on_run(app, run_id, lambda run: flow.current_step(run).question.id) == later_ids[0]
    phone = student()
    phone.join(code)
    assert phone.answer(code, later_ids[0], "4").status_code == 303
    # A wrong answer is refused and stores nothing; the right one counts once.
    assert phone.answer(code, later_ids[0], "9").status_code == 400
    with app.app_context():
        stored = db.session.scalar(
            db.select(db.func.count())
            .select_from(Response)
            .where(Response.question_id == later_ids[0])
        )
    assert stored == 1
    assert on_run(app, run_id, lambda run: run.session_number) == 3


def test_setting_the_day_reaches_lessons_under_way_but_not_ended_ones(app, teacher, programme):
    programme_id, lead = programme
    under_way = start_for_programme(app, teacher, programme_id)
    ended = start_for_programme_again(app, teacher, programme_id)
    day = now_utc().date() + timedelta(days=30)
    lead.client.post(
        f"/programmes/{programme_id}/follow-up", data={"follow_up_on": day.isoformat()}
    )
    assert on_run(app, under_way, later_questions)
    assert on_run(app, ended, later_questions) == []
    # Moving the day moves it in the lesson too, and adds no second set of questions.
    moved = day + timedelta(days=7)
    lead.client.post(
        f"/programmes/{programme_id}/follow-up", data={"follow_up_on": moved.isoformat()}
    )
    assert on_run(app, under_way, sessions.follow_up_on) == moved
    assert len(on_run(app, under_way, later_questions)) == len(
        {k for k, _ in on_run(app, under_way, later_questions)}
    )


def start_for_programme_again(app, teacher, programme_id) -> int:
    """A second class's lesson of the programme, ended at once."""
    run_id = start_for_programme(app, teacher, programme_id)
    teacher.client.post(f"/runs/{run_id}/end")
    assert on_run(app, run_id, lambda run: run.is_ended)
    return run_id


@pytest.mark.parametrize("when", ["yesterday", "", "not a day"])
def test_a_wrong_day_is_refused_and_changes_nothing(app, teacher, programme, when):
    programme_id, lead = programme
    run_id = start_for_programme(app, teacher, programme_id)
    value = (now_utc().date() - timedelta(days=1)).isoformat() if when == "yesterday" else when
    response = lead.client.post(
        f"/programmes/{programme_id}/follow-up", data={"follow_up_on": value}
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Programme, programme_id).follow_up_on is None
    assert on_run(app, run_id, later_questions) == []


def test_only_the_programmes_own_lead_sets_the_day(
    app, teacher, programme, make_staff, coordinator
):
    programme_id, _lead = programme
    day = (now_utc().date() + timedelta(days=30)).isoformat()
    other_lead = make_staff("lead")
    refused = other_lead.client.post(
        f"/programmes/{programme_id}/follow-up", data={"follow_up_on": day}
    )
    assert refused.status_code == 404
    for staff in (teacher, coordinator):
        answer = staff.client.post(
            f"/programmes/{programme_id}/follow-up", data={"follow_up_on": day}
        )
        assert answer.status_code == 403
    with app.app_context():
        assert db.session.get(Programme, programme_id).follow_up_on is None


def test_a_lesson_outside_a_programme_has_no_follow_up(app, teacher):
    run_id = teacher.start_run(teacher.class_id, module="jihad", class_size=3)
    assert on_run(app, run_id, later_questions) == []
    assert on_run(app, run_id, sessions.follow_up_on) is None


def test_the_follow_up_is_compared_with_before_in_the_programme_figures(app, make_user):
    world = World(app)
    with app.app_context():
        programme = db.session.get(Programme, world.programme_id)
        programme.follow_up_on = date(2027, 3, 1)
        db.session.commit()
    schools = [world.school() for _ in range(3)]
    before = {key: spread((6, 6, 0, 0, 0)) for key in ("home-pre", "excluded-pre")}
    after = {key: spread((0, 0, 4, 4, 4)) for key in ("home-post", "excluded-post")}
    later = {f"{key}_later": spread((0, 6, 6, 0, 0)) for key in ("home-pre", "excluded-pre")}
    for school in schools:
        for _class in "ab":
            world.lesson(school, before | after | later)
    found, comparisons = world.results()
    keys = {result.key: result for result in found}
    assert keys["home-pre_later"].later and keys["home-pre_later"].shown
    assert keys["home-pre_later"].question == keys["home-pre"].question
    pairs = {(c.pre.key, c.post.key): c for c in comparisons}
    assert set(pairs) >= {("home-pre", "home-post"), ("home-pre", "home-pre_later")}
    # Before all disagreed; some weeks later half of them sit in the middle.
    shift = pairs[("home-pre", "home-pre_later")].shift
    assert [round(g.shift) for g in shift.groups] == [-50, 50, 0]
    # The lead's page sets it beside the before, as "some weeks later".
    lead = Staff(app.test_client(), make_user("lead", municipality_id=world.municipality_id))
    lead.login()
    lead.client.post("/language", data={"language": "en"})
    page = lead.client.get(f"/programmes/{world.programme_id}").text
    assert "Asked again in the follow-up session" in page
    assert page.count("Some weeks later") >= 2
