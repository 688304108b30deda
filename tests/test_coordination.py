"""The coordinator's journeys: teachers, classes, assignments, overview, results, isolation."""

import re
from datetime import timedelta

import pytest
from conftest import Staff, rendered_form, run_info

from classroom.accounts.models import Invitation, User
from classroom.coordination.models import Assignment, SchoolClass
from classroom.extensions import db
from classroom.polls.models import Run
from classroom.timeutil import now_utc

TODAY = now_utc().date()


def count(app, model, **filters):
    with app.app_context():
        query = db.select(db.func.count()).select_from(model)
        for name, value in filters.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def test_only_coordinators_enter_the_school_pages(teacher, client):
    assert teacher.client.get("/school/").status_code == 403
    assert client.get("/school/").status_code == 302


def test_a_coordinator_adds_edits_and_archives_a_class(app, coordinator, make_user):
    teacher = make_user("teacher", school_id=coordinator.user["school_id"])
    response = coordinator.client.post(
        "/school/classes",
        data={"name": "2 VWO C", "level": "vwo", "year": "2", "teachers": [teacher["id"]]},
    )
    assert response.status_code == 303
    with app.app_context():
        school_class = db.session.scalar(
            db.select(SchoolClass).where(SchoolClass.name == "2 VWO C")
        )
        class_id = school_class.id
        assert [t.id for t in school_class.teachers] == [teacher["id"]]
    edit = coordinator.client.post(
        f"/school/classes/{class_id}", data={"name": "2 VWO D", "level": "vwo", "year": "2"}
    )
    assert edit.status_code == 303
    assert coordinator.client.post(f"/school/classes/{class_id}/archive").status_code == 303
    page = coordinator.client.get("/school/classes").text
    assert "Gearchiveerde klassen" in page
    assert count(app, SchoolClass, name="2 VWO D") == 1
    with app.app_context():
        assert db.session.get(SchoolClass, class_id).archived_at is not None


def test_a_duplicate_class_name_is_refused_and_changes_nothing(app, coordinator, make_class):
    make_class(coordinator.user["school_id"], name="3 HAVO B")
    response = coordinator.client.post(
        "/school/classes", data={"name": "3 havo b", "level": "havo", "year": "3"}
    )
    assert response.status_code == 409
    assert "Deze school heeft al een klas met die naam." in response.text
    assert count(app, SchoolClass) == 1


def test_invitation_link_creates_a_teacher_once(app, coordinator):
    response = coordinator.client.post(
        "/school/teachers/invite",
        data={"name": "Nieuwe Docent", "email": "Nieuw@Voorbeeldschool.nl"},
    )
    assert response.status_code == 201
    link = re.search(r'value="(http://klas.test/auth/invite/[^"]+)"', response.text)[1]
    path = link.removeprefix("http://klas.test")
    invitee = app.test_client()
    assert "Nieuwe Docent" in invitee.get(path).text
    short = invitee.post(path, data={"password": "kort", "confirm": "kort"})
    assert short.status_code == 400
    assert count(app, User, email="nieuw@voorbeeldschool.nl") == 0
    done = invitee.post(
        path, data={"password": "een lang wachtwoord", "confirm": "een lang wachtwoord"}
    )
    assert done.status_code == 303
    assert "Welkom, Nieuwe Docent" in invitee.get("/").text
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "nieuw@voorbeeldschool.nl"))
        assert user.role == "teacher" and user.school_id == coordinator.user["school_id"]
    reuse = app.test_client().get(path)
    assert reuse.status_code == 410
    assert "al gebruikt" in reuse.text
    again = app.test_client().post(path, data={"password": "x" * 10, "confirm": "x" * 10})
    assert again.status_code == 410
    assert count(app, User, email="nieuw@voorbeeldschool.nl") == 1


def test_an_expired_or_unknown_invitation_is_refused(app, coordinator):
    response = coordinator.client.post(
        "/school/teachers/invite", data={"name": "Laat", "email": "laat@voorbeeldschool.nl"}
    )
    path = re.search(r'value="http://klas.test(/auth/invite/[^"]+)"', response.text)[1]
    with app.app_context():
        invitation = db.session.scalar(db.select(Invitation))
        invitation.expires_at = now_utc() - timedelta(minutes=1)
        db.session.commit()
    expired = app.test_client().post(path, data={"password": "x" * 10, "confirm": "x" * 10})
    assert expired.status_code == 410
    assert "verlopen" in expired.text
    assert app.test_client().get("/auth/invite/nonsense").status_code == 404
    assert count(app, User, email="laat@voorbeeldschool.nl") == 0


def test_inviting_an_existing_email_twice_is_refused(app, coordinator, make_user):
    school_id = coordinator.user["school_id"]
    make_user("teacher", school_id=school_id, email="bestaand@voorbeeldschool.nl")
    existing = coordinator.client.post(
        "/school/teachers/invite", data={"name": "Dubbel", "email": "Bestaand@voorbeeldschool.nl"}
    )
    assert existing.status_code == 409
    assert "Er is al een account of uitnodiging met dit e-mailadres." in existing.text
    data = {"name": "Twee", "email": "twee@voorbeeldschool.nl"}
    assert coordinator.client.post("/school/teachers/invite", data=data).status_code == 201
    assert coordinator.client.post("/school/teachers/invite", data=data).status_code == 409
    assert count(app, Invitation) == 1


def test_an_account_in_another_school_is_not_revealed_by_an_invitation(app, coordinator, make_user):
    make_user("teacher", email="elders@andereschool.nl")  # a teacher of another school
    fresh = coordinator.client.post(
        "/school/teachers/invite", data={"name": "Nieuw", "email": "nieuw@andereschool.nl"}
    )
    known = coordinator.client.post(
        "/school/teachers/invite", data={"name": "Elders", "email": "Elders@andereschool.nl"}
    )
    assert fresh.status_code == known.status_code == 201
    # Only the owner of the address learns it has an account, when accepting.
    path = re.search(r'value="http://klas.test(/auth/invite/[^"]+)"', known.text)[1]
    accepted = app.test_client().post(
        path, data={"password": "een lang wachtwoord", "confirm": "een lang wachtwoord"}
    )
    assert accepted.status_code == 409
    assert count(app, User, email="elders@andereschool.nl") == 1


def test_deactivation_ends_the_teachers_sessions_and_reactivation_restores_login(
    app, coordinator, make_user
):
    user = make_user("teacher", school_id=coordinator.user["school_id"])
    teacher = Staff(app.test_client(), user)
    teacher.login()
    assert teacher.client.get("/lessons/").status_code == 200
    assert coordinator.client.post(f"/school/teachers/{user['id']}/deactivate").status_code == 303
    assert teacher.client.get("/lessons/").status_code == 302
    assert Staff(app.test_client(), user).login().status_code == 401
    coordinator.client.post(f"/school/teachers/{user['id']}/activate")
    assert Staff(app.test_client(), user).login().status_code == 302


def test_a_coordinator_cannot_deactivate_themself(app, coordinator):
    response = coordinator.client.post(f"/school/teachers/{coordinator.user['id']}/deactivate")
    assert response.status_code == 409
    assert coordinator.client.get("/school/").status_code == 200


def assign(coordinator, class_ids, teacher_id, due=None, module="sample"):
    return coordinator.client.post(
        "/school/assignments",
        data={
            "module": module,
            "classes": class_ids,
            "teacher": teacher_id,
            "due_on": (due or TODAY + timedelta(days=7)).isoformat(),
            "note": "Na de toets",
        },
    )


@pytest.fixture
def school(coordinator, make_staff, make_class):
    """A coordinator's school with one teacher who teaches two classes."""
    school_id = coordinator.user["school_id"]
    teacher = make_staff("teacher", school_id=school_id)
    teacher_ids = [teacher.user["id"]]
    teacher.class_id = make_class(school_id, teacher_ids, name="3 HAVO B")
    teacher.other_class_id = make_class(school_id, teacher_ids, name="4 VWO A", level="vwo", year=4)
    return teacher


def test_assigning_to_several_classes_shows_on_the_teachers_home(app, coordinator, school):
    response = assign(coordinator, [school.class_id, school.other_class_id], school.user["id"])
    assert response.status_code == 303
    assert count(app, Assignment) == 2
    home = school.client.get("/").text
    assert "Gepland voor jou" in home
    assert "Na de toets" in home
    assert home.count("Voorbeeldles") >= 2


def test_bad_assignments_are_refused_and_change_nothing(
    app, coordinator, school, make_user, make_class
):
    past = assign(coordinator, [school.class_id], school.user["id"], due=TODAY - timedelta(days=1))
    assert past.status_code == 400
    assert "De datum ligt in het verleden." in past.text
    archived = make_class(coordinator.user["school_id"], name="Oud", archived=True)
    assert assign(coordinator, [archived], school.user["id"]).status_code == 400
    foreign_teacher = make_user("teacher")
    foreign_class = make_class(foreign_teacher["school_id"], name="Elders")
    assert assign(coordinator, [foreign_class], school.user["id"]).status_code == 400
    assert assign(coordinator, [school.class_id], foreign_teacher["id"]).status_code == 400
    assert (
        assign(coordinator, [school.class_id], school.user["id"], module="nope").status_code == 400
    )
    assert count(app, Assignment) == 0


def test_starting_an_assigned_lesson_links_it_and_ending_marks_it_done(app, coordinator, school):
    assign(coordinator, [school.other_class_id], school.user["id"])
    assign(coordinator, [school.class_id], school.user["id"])
    with app.app_context():
        assignment_id = db.session.scalar(
            db.select(Assignment.id).where(Assignment.class_id == school.class_id)
        )
    assert assignment_id != school.class_id  # ids that differ, so no field stands in for another
    page = school.client.get(f"/lessons/sample?assignment={assignment_id}&class={school.class_id}")
    form = rendered_form(page.text, "/runs/")
    assert form["assignment"] == str(assignment_id)
    assert form["school_class"] == str(school.class_id)
    assert form["class_size"] == ""  # the class has no size: the teacher gives one
    refused = school.client.post("/runs/", data=form, follow_redirects=True)
    assert "Hoeveel leerlingen zitten er in deze klas?" in refused.text
    assert count(app, Run) == 0
    form["class_size"] = "27"
    response = school.client.post("/runs/", data=form)
    assert response.status_code == 303
    run_id = int(re.search(r"/runs/(\d+)/", response.location)[1])
    overview = coordinator.client.get("/school/").text
    assert "loopt nu" in overview
    school.client.post(f"/runs/{run_id}/end")
    with app.app_context():
        assert db.session.get(Run, run_id).assignment_id == assignment_id
        assert db.session.get(Assignment, assignment_id).status(TODAY) == "done"
    assert "klaar" in coordinator.client.get("/school/").text


def test_a_run_cannot_claim_someone_elses_assignment(app, coordinator, school, make_user):
    other = make_user("teacher", school_id=coordinator.user["school_id"])
    assign(coordinator, [school.class_id], other["id"])
    with app.app_context():
        assignment_id = db.session.scalar(db.select(Assignment.id))
    response = school.client.post(
        "/runs/",
        data={"module": "sample", "school_class": school.class_id, "language": "nl",
              "assignment": assignment_id, "class_size": 25},
    )  # fmt: skip
    assert response.status_code == 400
    assert count(app, Run) == 0


def test_the_overview_shows_planned_overdue_done_and_own_choice(app, coordinator, school):
    assign(coordinator, [school.class_id], school.user["id"])
    with app.app_context():
        overdue = Assignment(
            school_id=coordinator.user["school_id"], class_id=school.other_class_id,
            teacher_id=school.user["id"], module_slug="sample", due_on=TODAY - timedelta(days=3),
        )  # fmt: skip
        db.session.add(overdue)
        db.session.commit()
    page = coordinator.client.get("/school/").text
    assert "gepland" in page and "te laat" in page
    run_id = school.start_run(school.class_id)
    school.client.post(f"/runs/{run_id}/end")
    csv = coordinator.client.get("/school/overview.csv")
    assert csv.mimetype == "text/csv"
    assert "3 HAVO B;havo;3;sample" in csv.text
    filtered = coordinator.client.get("/school/?level=vwo").text
    assert "4 VWO A" in filtered and "3 HAVO B" not in filtered


def test_a_lesson_given_without_assignment_shows_as_own_choice(app, coordinator, school):
    run_id = school.start_run(school.other_class_id)
    school.client.post(f"/runs/{run_id}/end")
    assert "gegeven (eigen keuze)" in coordinator.client.get("/school/").text


def test_citizenship_report_lists_the_values_of_ended_lessons(app, coordinator, school):
    run_id = school.start_run(school.class_id)
    page = coordinator.client.get("/school/citizenship").text
    assert "✓" not in page  # still running
    school.client.post(f"/runs/{run_id}/end")
    page = coordinator.client.get("/school/citizenship").text
    row = page.split("3 HAVO B")[1].split("</tr>")[0]
    assert row.count("✓") == 1  # the sample module serves solidarity only
    assert "Voorbeeldles" in row


def colour_figures(page):
    """The school's figures of the colour question as its results page shows them (None: none)."""
    section = page.split("Welke kleur vind je mooi?</h2>")[1].split("</section>")[0]
    if "Nog te weinig antwoorden om iets te laten zien." in section:
        return None
    return dict(re.findall(r"<tr><td>([^<]+)</td>\s*<td>([^<]+)</td>", section))


@pytest.mark.parametrize(
    ("school_k", "colours", "k", "figures"),
    [
        # Two classes of six: one answer short of the school's k, then exactly on it.
        (13, "111111", 13, None),
        (12, "111111", 12, {"Rood": "0", "Groen": "12", "Blauw": "0"}),
        # A school k below the floor (the form refuses it; an old row may hold it) counts as
        # the floor of 3: two reds are hidden, and the empty blue beside them.
        (1, "01111", 3, {"Rood": "–", "Groen": "8", "Blauw": "–"}),
    ],
)
def test_school_k_comes_from_the_school_and_never_below_the_floor(
    app, coordinator, school, student, school_k, colours, k, figures
):
    from classroom.accounts.models import School

    with app.app_context():
        db.session.get(School, coordinator.user["school_id"]).school_min_answers = school_k
        db.session.commit()
    for class_id in (school.class_id, school.other_class_id):
        run_id = school.start_run(class_id)
        code, questions = run_info(app, run_id)
        school.act(run_id, questions[1], "open")
        for colour in colours:
            phone = student()
            assert phone.join(code).status_code == 302
            assert phone.answer(code, questions[1], colour).status_code == 303
        school.client.post(f"/runs/{run_id}/end")
    page = coordinator.client.get("/school/results/sample").text
    assert f"Een getal onder {k} staat er niet" in page
    assert colour_figures(page) == figures
