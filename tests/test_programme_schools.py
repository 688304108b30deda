"""The coordinator's side of a programme: answering, leaving, planning, and participation counts."""

import re
from datetime import date, timedelta

import pytest
from conftest import REAL_LESSONS_DIR, counted, rendered_form

from classroom.accounts.models import School
from classroom.catalogue.store import keep_version
from classroom.coordination.models import Assignment, SettingChange
from classroom.extensions import db
from classroom.lessons.content import build_module, get_library, render_markdown
from classroom.polls.models import Run
from classroom.programmes.membership import participating_school_ids, programme_of_school
from classroom.programmes.models import Municipality, Programme, ProgrammeSchool
from classroom.programmes.participation import SchoolParticipation, participation
from classroom.timeutil import now_utc

NAME = "Jihad 2026/27, gemeente Delft"
TODAY = now_utc().date()


@pytest.fixture
def lessons_dir():
    return REAL_LESSONS_DIR


def programme_version(school: School, title: str | None = None) -> str:
    """The library's jihad kept as a version; with `title`, a Dutch title the library lacks."""
    module = get_library().get("jihad")
    if title is not None:
        files = dict(module.files)
        files["nl.md"] = re.sub(r"(?m)^title: .*$", f"title: {title}", files["nl.md"], count=1)
        module = build_module("jihad", files, trusted=True, render=render_markdown)
    return keep_version(module, school)


def make_programme(app, statuses: dict[int, str], name=NAME, ends_on=None, title=None) -> int:
    """A programme of Delft's with the schools invited, each with its status."""
    with app.app_context():
        municipality = db.session.scalar(
            db.select(Municipality).where(Municipality.name == "Delft")
        ) or Municipality(name="Delft")
        school = db.session.get(School, next(iter(statuses)))
        programme = Programme(
            municipality=municipality, name=name, module_slug="jihad",
            module_version=programme_version(school, title),
            titles={"nl": "Jihad", "en": "Jihad (en)"},
            starts_on=TODAY - timedelta(days=30), ends_on=ends_on or TODAY + timedelta(days=90),
        )  # fmt: skip
        programme.schools = [
            ProgrammeSchool(school_id=school_id, status=status)
            for school_id, status in statuses.items()
        ]
        db.session.add(programme)
        db.session.commit()
        return programme.id


def invitation(app, programme_id, school_id) -> ProgrammeSchool:
    with app.app_context():
        row = db.session.get(ProgrammeSchool, (programme_id, school_id))
        db.session.expunge(row)
        return row


def audit_lines(app, school_id) -> list[tuple[str, str | None, str | None]]:
    with app.app_context():
        return [
            (c.setting, c.old_value, c.new_value)
            for c in db.session.scalars(
                db.select(SettingChange)
                .where(SettingChange.school_id == school_id)
                .order_by(SettingChange.id)
            )
        ]


def english(client) -> None:
    client.post("/language", data={"language": "en"})


@pytest.fixture
def invited(app, teacher, coordinator):
    """The teacher's school invited to a programme: (programme id, school id)."""
    school_id = teacher.user["school_id"]
    return make_programme(app, {school_id: "invited"}), school_id


def test_the_invitations_page_lists_the_schools_programmes_in_both_languages(
    app, invited, coordinator
):
    programme_id, _school = invited
    page = coordinator.client.get("/school/programmes")
    assert page.status_code == 200
    assert NAME in page.text and "Delft" in page.text and "Jihad" in page.text
    assert f"/school/programmes/{programme_id}" in page.text
    assert '<html lang="nl"' in page.text
    english(coordinator.client)
    page = coordinator.client.get("/school/programmes").text
    assert '<html lang="en"' in page
    assert "invited" in page and "Jihad (en)" in page


def test_a_school_without_invitations_sees_an_empty_state(app, make_staff, invited):
    other = make_staff("coordinator")
    english(other.client)
    page = other.client.get("/school/programmes").text
    assert "Your school has not been invited to a programme." in page
    assert NAME not in page


def test_the_programme_page_says_what_the_lead_will_see(app, invited, coordinator):
    programme_id, school_id = invited
    english(coordinator.client)
    page = coordinator.client.get(f"/school/programmes/{programme_id}").text
    with app.app_context():
        school_name = db.session.get(School, school_id).name
    assert school_name in page
    assert "at least 50 answers" in page and "at least 3 schools" in page
    assert "at least 2 more schools" in page
    assert "open answers" in page and "hands up" in page
    assert "count in no later release" in page
    assert f'action="/school/programmes/{programme_id}/accept"' in page
    assert f'action="/school/programmes/{programme_id}/decline"' in page
    assert f'action="/school/programmes/{programme_id}/assign"' not in page  # not yet accepted
    coordinator.client.post("/language", data={"language": "nl"})
    assert coordinator.client.get(f"/school/programmes/{programme_id}").status_code == 200


def test_accepting_lands_in_the_audit_list_and_reads_in_english(app, invited, coordinator):
    programme_id, school_id = invited
    response = coordinator.client.post(f"/school/programmes/{programme_id}/accept")
    assert response.status_code == 303
    assert invitation(app, programme_id, school_id).status == "accepted"
    assert invitation(app, programme_id, school_id).answered_at is not None
    assert audit_lines(app, school_id) == [("programme_accepted", None, f"{NAME} (Delft)")]
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        assert participating_school_ids(programme) == {school_id}
        assert programme_of_school(db.session.get(School, school_id), programme_id) == programme
    english(coordinator.client)
    settings = coordinator.client.get("/school/settings").text
    assert "Programme: taking part" in settings and NAME in settings


def test_decline_then_accept_while_the_programme_runs(app, invited, coordinator):
    programme_id, school_id = invited
    assert coordinator.client.post(f"/school/programmes/{programme_id}/decline").status_code == 303
    assert invitation(app, programme_id, school_id).status == "declined"
    again = coordinator.client.post(f"/school/programmes/{programme_id}/decline")
    assert again.status_code == 409
    assert coordinator.client.post(f"/school/programmes/{programme_id}/accept").status_code == 303
    assert invitation(app, programme_id, school_id).status == "accepted"
    assert [line[0] for line in audit_lines(app, school_id)] == [
        "programme_declined",
        "programme_accepted",
    ]


def test_a_declined_school_cannot_join_an_ended_programme(app, teacher, coordinator):
    school_id = teacher.user["school_id"]
    programme_id = make_programme(app, {school_id: "declined"}, ends_on=TODAY - timedelta(days=1))
    english(coordinator.client)
    response = coordinator.client.post(f"/school/programmes/{programme_id}/accept")
    assert response.status_code == 409
    assert "This programme has ended" in response.text
    assert invitation(app, programme_id, school_id).status == "declined"
    assert audit_lines(app, school_id) == []


def test_leaving_needs_the_box_ticked_and_there_is_no_way_back(app, invited, coordinator):
    programme_id, school_id = invited
    coordinator.client.post(f"/school/programmes/{programme_id}/accept")
    english(coordinator.client)
    page = coordinator.client.get(f"/school/programmes/{programme_id}").text
    fields = rendered_form(page, f"/school/programmes/{programme_id}/leave")
    assert "confirm" not in fields  # unticked, as a browser sends it
    refused = coordinator.client.post(f"/school/programmes/{programme_id}/leave", data=fields)
    assert refused.status_code == 400
    assert "Tick the box" in refused.text
    assert invitation(app, programme_id, school_id).status == "accepted"
    left = coordinator.client.post(
        f"/school/programmes/{programme_id}/leave", data={**fields, "confirm": "y"}
    )
    assert left.status_code == 303
    assert invitation(app, programme_id, school_id).status == "left"
    rejoin = coordinator.client.post(f"/school/programmes/{programme_id}/accept")
    assert rejoin.status_code == 409
    assert "cannot join it again" in rejoin.text
    assert coordinator.client.post(f"/school/programmes/{programme_id}/decline").status_code == 409
    assert (
        coordinator.client.post(
            f"/school/programmes/{programme_id}/leave", data={"confirm": "y"}
        ).status_code
        == 409
    )
    assert invitation(app, programme_id, school_id).status == "left"
    assert [line[0] for line in audit_lines(app, school_id)] == [
        "programme_accepted",
        "programme_left",
    ]
    page = coordinator.client.get(f"/school/programmes/{programme_id}").text
    assert "It cannot join again." in page
    assert f'action="/school/programmes/{programme_id}/accept"' not in page


def test_refused_steps_change_nothing(app, invited, coordinator):
    programme_id, school_id = invited
    not_in = coordinator.client.post(
        f"/school/programmes/{programme_id}/leave", data={"confirm": "y"}
    )
    assert not_in.status_code == 409
    coordinator.client.post(f"/school/programmes/{programme_id}/accept")
    english(coordinator.client)
    decline = coordinator.client.post(f"/school/programmes/{programme_id}/decline")
    assert decline.status_code == 409 and "leave the programme" in decline.text
    twice = coordinator.client.post(f"/school/programmes/{programme_id}/accept")
    assert twice.status_code == 409
    assert invitation(app, programme_id, school_id).status == "accepted"
    assert len(audit_lines(app, school_id)) == 1


def test_another_schools_coordinator_gets_404_and_a_teacher_403(app, invited, teacher, make_staff):
    programme_id, school_id = invited
    other = make_staff("coordinator")
    own_programme = make_programme(app, {other.user["school_id"]: "invited"}, name="Elders")
    urls = [f"/school/programmes/{programme_id}"] + [
        f"/school/programmes/{programme_id}/{step}" for step in ("accept", "decline", "leave")
    ]
    assert other.client.get(urls[0]).status_code == 404
    for url in urls[1:]:
        assert other.client.post(url, data={"confirm": "y"}).status_code == 404
    assert other.client.post(f"/school/programmes/{programme_id}/assign").status_code == 404
    assert other.client.get("/school/programmes/999999").status_code == 404
    assert NAME not in other.client.get("/school/programmes").text
    assert invitation(app, programme_id, school_id).status == "invited"
    # A programme the teacher's school is not invited to is just as unknown to its coordinator.
    assert teacher.client.get(urls[0]).status_code == 403
    assert teacher.client.post(urls[1]).status_code == 403
    assert teacher.client.get("/school/programmes").status_code == 403
    coordinator = make_staff("coordinator", school_id=school_id)
    assert coordinator.client.get(f"/school/programmes/{own_programme}").status_code == 404


def test_answering_needs_the_csrf_token(app, invited, coordinator, csrf_on):
    programme_id, school_id = invited
    response = coordinator.client.post(f"/school/programmes/{programme_id}/accept")
    assert response.status_code == 400
    assert invitation(app, programme_id, school_id).status == "invited"


def plan(coordinator, programme_id, **values):
    """Post the planning form as the page renders it, with the values given."""
    page = coordinator.client.get(f"/school/programmes/{programme_id}").text
    action = f"/school/programmes/{programme_id}/assign"
    fields = rendered_form(page, action)
    assert {"school_class", "teacher", "due_on"} <= set(fields)
    return coordinator.client.post(action, data={**fields, **values})


def programme_assignments(app, programme_id) -> list[Assignment]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(Assignment).where(Assignment.programme_id == programme_id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def test_planning_assigns_the_fixed_version_and_the_lesson_keeps_it(app, teacher, coordinator):
    school_id = teacher.user["school_id"]
    programme_id = make_programme(app, {school_id: "accepted"}, title="Jihad, zoals afgesproken")
    due = (TODAY + timedelta(days=7)).isoformat()
    response = plan(
        coordinator, programme_id,
        school_class=teacher.class_id, teacher=teacher.user["id"], due_on=due,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    (assignment,) = programme_assignments(app, programme_id)
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        assert assignment.module_slug == "jihad"
        assert assignment.module_version == programme.module_version
        assert assignment.class_id == teacher.class_id
        assert assignment.teacher_id == teacher.user["id"]
    started = teacher.client.post(
        "/runs/",
        data={"module": "jihad", "school_class": teacher.class_id, "language": "nl",
              "class_size": 25, "assignment": assignment.id},
    )  # fmt: skip
    assert started.status_code == 303, started.text
    run_id = int(re.search(r"/runs/(\d+)/", started.location)[1])
    with app.app_context():
        run = db.session.get(Run, run_id)
        assert run.programme_id == programme_id
        assert run.module_version == programme.module_version
        assert run.titles["nl"] == "Jihad, zoals afgesproken"
        assert run.assignment_id == assignment.id


def test_planning_is_refused_unless_the_school_takes_part(app, teacher, coordinator):
    school_id = teacher.user["school_id"]
    due = (TODAY + timedelta(days=7)).isoformat()
    values = {"school_class": teacher.class_id, "teacher": teacher.user["id"], "due_on": due}
    for status in ("invited", "declined", "left"):
        programme_id = make_programme(app, {school_id: status}, name=f"P {status}")
        response = coordinator.client.post(f"/school/programmes/{programme_id}/assign", data=values)
        assert response.status_code == 409
        assert programme_assignments(app, programme_id) == []
    ended = make_programme(app, {school_id: "accepted"}, name="Over", ends_on=TODAY - timedelta(1))
    english(coordinator.client)
    response = coordinator.client.post(f"/school/programmes/{ended}/assign", data=values)
    assert response.status_code == 409 and "This programme has ended" in response.text
    assert programme_assignments(app, ended) == []


def test_planning_checks_class_teacher_and_date(app, teacher, coordinator, make_class, make_staff):
    school_id = teacher.user["school_id"]
    programme_id = make_programme(app, {school_id: "accepted"})
    other_class = make_class(school_id, [], name="4 VWO A")
    foreign = make_staff("teacher")
    foreign_class = make_class(foreign.user["school_id"], [foreign.user["id"]], name="5 H")
    english(coordinator.client)
    good = {"school_class": teacher.class_id, "teacher": teacher.user["id"],
            "due_on": (TODAY + timedelta(days=7)).isoformat()}  # fmt: skip
    cases = [
        ({"school_class": other_class}, "does not teach that class"),
        ({"school_class": foreign_class}, "Not a valid choice"),
        ({"teacher": foreign.user["id"]}, "Not a valid choice"),
        ({"due_on": (TODAY - timedelta(days=1)).isoformat()}, "lies in the past"),
        ({"due_on": (TODAY + timedelta(days=400)).isoformat()}, "within the programme"),
        ({"due_on": "not a date"}, "Not a valid date"),
        ({"school_class": "x"}, 'class="error"'),
    ]
    for change, message in cases:
        response = plan(coordinator, programme_id, **{**good, **change})
        assert response.status_code == 400, change
        assert message in response.text, change
    assert programme_assignments(app, programme_id) == []


def start_lesson(teacher, assignment_id, class_id) -> int:
    started = teacher.client.post(
        "/runs/",
        data={"module": "jihad", "school_class": class_id, "language": "nl",
              "class_size": 25, "assignment": assignment_id},
    )  # fmt: skip
    assert started.status_code == 303, started.text
    return int(re.search(r"/runs/(\d+)/", started.location)[1])


@pytest.fixture
def four_classes(app, teacher, make_class):
    """The teacher's class and three more, all taught by the teacher."""
    school_id = teacher.user["school_id"]
    more = [make_class(school_id, [teacher.user["id"]], name=f"5 VWO {c}") for c in "ABC"]
    return [teacher.class_id, *more]


def plan_all(app, coordinator, teacher, programme_id, class_ids) -> list[int]:
    due = (TODAY + timedelta(days=7)).isoformat()
    for class_id in class_ids:
        response = plan(
            coordinator, programme_id,
            school_class=class_id, teacher=teacher.user["id"], due_on=due,
        )  # fmt: skip
        assert response.status_code == 303, response.text
    by_class = {a.class_id: a.id for a in programme_assignments(app, programme_id)}
    return [by_class[class_id] for class_id in class_ids]


def lines(app, programme_id, school_id=None) -> list[SchoolParticipation]:
    with app.app_context():
        return participation(db.session.get(Programme, programme_id), school_id=school_id)


def test_participation_counts_planned_in_a_lesson_paused_and_ended(
    app, teacher, coordinator, four_classes, make_school
):
    school_id = teacher.user["school_id"]
    invited_id = make_school("Aaa invited")
    declined_id = make_school("Zzz declined")
    programme_id = make_programme(
        app, {school_id: "accepted", invited_id: "invited", declined_id: "declined"}
    )
    assignments = plan_all(app, coordinator, teacher, programme_id, four_classes)
    running = start_lesson(teacher, assignments[1], four_classes[1])
    paused = start_lesson(teacher, assignments[2], four_classes[2])
    ended = start_lesson(teacher, assignments[3], four_classes[3])
    assert teacher.client.post(f"/runs/{paused}/pause").status_code == 303
    assert teacher.client.post(f"/runs/{ended}/end").status_code == 303
    # A lesson of the module outside the programme does not count.
    teacher.start_run(four_classes[0], module="jihad")
    with app.app_context():
        own_name = db.session.get(School, school_id).name
    assert lines(app, programme_id) == [
        SchoolParticipation(invited_id, "Aaa invited", "invited", 0, 0, 0, 0),
        SchoolParticipation(school_id, own_name, "accepted", 1, 1, 1, 1),
        SchoolParticipation(declined_id, "Zzz declined", "declined", 0, 0, 0, 0),
    ]
    assert lines(app, programme_id, school_id) == [
        SchoolParticipation(school_id, own_name, "accepted", 1, 1, 1, 1)
    ]
    with app.app_context():
        run = db.session.get(Run, running)
        run.expires_at = now_utc() - timedelta(minutes=1)  # ended by its time limit
        db.session.commit()
    assert lines(app, programme_id, school_id)[0].ended == 2
    english(coordinator.client)
    page = coordinator.client.get(f"/school/programmes/{programme_id}").text
    assert "planned: 1" in page and "paused until the next session: 1" in page
    assert "ended: 2" in page and "in a lesson: 0" in page


def test_a_school_that_left_keeps_the_counts_it_had(app, teacher, coordinator, four_classes):
    school_id = teacher.user["school_id"]
    programme_id = make_programme(app, {school_id: "accepted"})
    assignments = plan_all(app, coordinator, teacher, programme_id, four_classes)
    ended = start_lesson(teacher, assignments[0], four_classes[0])
    teacher.client.post(f"/runs/{ended}/end")
    paused = start_lesson(teacher, assignments[1], four_classes[1])
    assert teacher.client.post(f"/runs/{paused}/pause").status_code == 303
    before = lines(app, programme_id)
    coordinator.client.post(f"/school/programmes/{programme_id}/leave", data={"confirm": "y"})
    # What the school does afterwards is no longer the programme's to see: a lesson
    # resumed, one started, one ended.
    assert teacher.client.post(f"/runs/{paused}/resume").status_code == 303
    running = start_lesson(teacher, assignments[2], four_classes[2])
    teacher.client.post(f"/runs/{running}/end")
    (line,) = lines(app, programme_id)
    assert line.status == "left"
    assert (line.planned, line.in_lesson, line.paused, line.ended) == (2, 0, 1, 1)
    assert [(b.planned, b.in_lesson, b.paused, b.ended) for b in before] == [(2, 0, 1, 1)]


def test_participation_takes_the_same_queries_for_one_school_or_many(
    app, teacher, coordinator, make_school, four_classes
):
    school_id = teacher.user["school_id"]
    small = make_programme(app, {school_id: "accepted"}, name="Klein")
    others = {make_school(f"Invited {n}"): "accepted" for n in range(4)}
    big = make_programme(app, {school_id: "accepted", **others}, name="Groot")
    plan_all(app, coordinator, teacher, big, four_classes[:2])

    def statements(programme_id):
        with app.app_context():
            programme = db.session.get(Programme, programme_id)
            with counted(app) as seen:
                participation(programme)
            return len(seen)

    assert statements(small) == statements(big) <= 3


def test_the_dashboard_and_the_assignments_page_say_part_of_programme(app, teacher, coordinator):
    school_id = teacher.user["school_id"]
    name = "Jihad <b>Delft</b>"
    programme_id = make_programme(app, {school_id: "accepted"}, name=name)
    due = (TODAY + timedelta(days=7)).isoformat()
    plan(coordinator, programme_id, school_class=teacher.class_id, teacher=teacher.user["id"],
         due_on=due)  # fmt: skip
    escaped = "Jihad &lt;b&gt;Delft&lt;/b&gt;"
    english(teacher.client)
    dashboard = teacher.client.get("/").text
    assert f"Part of programme {escaped}" in dashboard
    assert "<b>Delft</b>" not in dashboard
    english(coordinator.client)
    listed = coordinator.client.get("/school/assignments").text
    assert f"Part of programme {escaped}" in listed
    assert "<b>Delft</b>" not in listed
    coordinator.client.post("/language", data={"language": "nl"})
    assert escaped in coordinator.client.get("/school/assignments").text


def test_an_assignment_outside_a_programme_says_nothing_of_one(app, teacher, coordinator):
    with app.app_context():
        db.session.add(
            Assignment(
                school_id=teacher.user["school_id"], class_id=teacher.class_id,
                teacher_id=teacher.user["id"], module_slug="jihad",
                due_on=date.today() + timedelta(days=3),
            )
        )  # fmt: skip
        db.session.commit()
    english(teacher.client)
    assert "Part of programme" not in teacher.client.get("/").text


def test_a_programme_lesson_is_prepared_on_the_programmes_page_at_its_fixed_version(
    app, teacher, coordinator
):
    """The library's page shows the library's text now; the programme's shows what it fixed."""
    school_id = teacher.user["school_id"]
    fixed_title = "Jihad, zoals afgesproken"
    programme_id = make_programme(app, {school_id: "accepted"}, title=fixed_title)
    due = (TODAY + timedelta(days=7)).isoformat()
    plan(coordinator, programme_id, school_class=teacher.class_id, teacher=teacher.user["id"],
         due_on=due)  # fmt: skip
    (assignment,) = programme_assignments(app, programme_id)
    page = f"/school/programmes/{programme_id}/module?assignment={assignment.id}"
    link = f'href="{page}&amp;class={teacher.class_id}"'
    dashboard = teacher.client.get("/").text
    assert link in dashboard
    assert fixed_title in teacher.client.get(f"{page}&class={teacher.class_id}").text
    assert fixed_title not in teacher.client.get("/lessons/jihad").text

    coordinator.client.post(f"/school/programmes/{programme_id}/leave", data={"confirm": "y"})
    dashboard = teacher.client.get("/").text
    assert link not in dashboard  # that page is gone for a school that left
    assert f'href="/lessons/jihad?assignment={assignment.id}&amp;class=' in dashboard
    assert teacher.client.get(page).status_code == 404
