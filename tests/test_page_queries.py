"""The heaviest staff pages load what they show in a fixed number of queries.

A page that runs one query per question, per run or per assignment slows down
with every lesson given; these tests count the statements of one render with
little on the page and with more of it, and expect the same count.
"""

from datetime import date, timedelta

from conftest import Staff, counted

from classroom.extensions import db
from classroom.polls import answers, services
from classroom.polls.models import Run


def queries(app, client, path) -> int:
    """The statements of one GET of the page (which must render)."""
    client.get(path)  # once before, so that per-worker caches are warm
    with counted(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


def answer_questions(app, run_id, how_many, phones=6):
    """Open, answer, release and reveal the run's first questions, as a lesson goes."""
    with app.app_context():
        run = db.session.get(Run, run_id)
        for question in run.questions[:how_many]:
            services.open_question(question)
            for phone in range(phones):
                text = f"antwoord {phone}" if question.type == "text" else None
                value = None if text else (1 if question.type != "multiple" else 0b11)
                answers.store_answer(question, f"phone-{phone}", value=value, text=text)
            db.session.flush()
            answers.release(question)
        db.session.commit()


def test_the_teachers_run_pages_do_not_query_per_question(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    pages = [f"/runs/{run_id}", f"/runs/{run_id}/present", f"/runs/{run_id}/summary"]
    answer_questions(app, run_id, 1)
    few = {page: queries(app, teacher.client, page) for page in pages}
    answer_questions(app, run_id, 4)
    many = {page: queries(app, teacher.client, page) for page in pages}
    assert many == few


def test_the_run_list_does_not_query_per_run(app, teacher):
    teacher.start_run(teacher.class_id)
    few = queries(app, teacher.client, "/runs/")
    for _ in range(3):
        teacher.start_run(teacher.class_id)
    assert queries(app, teacher.client, "/runs/") == few


def test_the_school_pages_do_not_query_per_run_or_assignment(
    app, coordinator, make_user, make_class
):
    school_id = coordinator.user["school_id"]
    pages = ["/school/results", "/school/results/sample", "/school/assignments", "/school/"]

    def give_lesson(number):
        user = make_user("teacher", school_id=school_id)
        teacher = Staff(app.test_client(), user)
        teacher.login()
        class_id = make_class(school_id, [user["id"]], name=f"Klas {number}")
        due = (date.today() + timedelta(days=7)).isoformat()
        assigned = coordinator.client.post(
            "/school/assignments",
            data={"module": "sample", "classes": [class_id], "teacher": user["id"], "due_on": due},
        )
        assert assigned.status_code == 303
        run_id = teacher.start_run(class_id)
        answer_questions(app, run_id, 2)
        with app.app_context():
            services.end_run(db.session.get(Run, run_id))
            db.session.commit()

    give_lesson(1)
    few = {page: queries(app, coordinator.client, page) for page in pages}
    for number in (2, 3, 4):
        give_lesson(number)
    many = {page: queries(app, coordinator.client, page) for page in pages}
    assert many == few


def test_the_teachers_home_does_not_query_per_run_or_assignment(app, teacher, make_class):
    """The dashboard lists the teacher's runs, classes and assignments."""
    teacher.start_run(teacher.class_id)
    few = queries(app, teacher.client, "/")
    for number in range(3):
        school_id = teacher.user["school_id"]
        class_id = make_class(school_id, [teacher.user["id"]], name=f"Klas {number}")
        run_id = teacher.start_run(class_id)
        answer_questions(app, run_id, 1)
    assert queries(app, teacher.client, "/") == few


def test_the_projector_loads_one_step_in_a_few_queries(app, teacher):
    """Whatever the step, the projector's page needs no query per question of the run."""
    run_id = teacher.start_run(teacher.class_id)
    answer_questions(app, run_id, 4)
    counts = []
    for _step in range(4):
        counts.append(queries(app, teacher.client, f"/runs/{run_id}/present"))
        assert teacher.client.post(f"/runs/{run_id}/flow/next").status_code in (302, 303)
    assert max(counts) <= 8, counts
