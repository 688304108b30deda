"""A teacher's own question, saved for their next classes, and theirs alone."""

import re

from conftest import Staff

from classroom.extensions import db
from classroom.polls.models import Question, SavedQuestion
from classroom.polls.saved_questions import MAX_SAVED

QUESTION = {
    "type": "single",
    "question": "Wie kende het verhaal al?",
    "options": "Ik\nNiet ik",
    "correct": "2",
    "keep": "y",
}


def saved_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r"/questions/saved/(\d+)\"", page)]


def own_questions(app, run_id):
    with app.app_context():
        return [
            (q.type, q.content, q.correct)
            for q in db.session.scalars(
                db.select(Question).where(Question.run_id == run_id, Question.added_by_teacher)
            )
        ]


def test_a_saved_question_is_offered_in_the_teachers_next_lesson(app, teacher):
    first = teacher.start_run(teacher.class_id)
    assert teacher.client.post(f"/runs/{first}/questions", data=QUESTION).status_code == 303
    second = teacher.start_run(teacher.class_id)
    page = teacher.client.get(f"/runs/{second}").text
    assert "Jouw bewaarde vragen" in page and "Wie kende het verhaal al?" in page
    (saved_id,) = saved_ids(page)

    response = teacher.client.post(f"/runs/{second}/questions/saved/{saved_id}")

    assert response.status_code == 303
    assert own_questions(app, second) == own_questions(app, first)
    ((kind, content, correct),) = own_questions(app, second)
    assert (kind, content["nl"]["options"], correct) == ("single", ["Ik", "Niet ik"], 1)


def test_a_question_is_saved_only_when_the_teacher_asks(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    data = {**QUESTION, "keep": ""}
    assert teacher.client.post(f"/runs/{run_id}/questions", data=data).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SavedQuestion.id))) == 0


def test_an_invalid_question_is_not_saved(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    data = {**QUESTION, "options": "Maar één"}
    assert teacher.client.post(f"/runs/{run_id}/questions", data=data).status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SavedQuestion.id))) == 0


def test_saving_the_same_question_twice_keeps_one(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    for _ in range(2):
        teacher.client.post(f"/runs/{run_id}/questions", data=QUESTION)
    assert len(saved_ids(teacher.client.get(f"/runs/{run_id}").text)) == 1


def test_saved_questions_are_the_teachers_own(app, teacher, make_user, make_class):
    run_id = teacher.start_run(teacher.class_id)
    teacher.client.post(f"/runs/{run_id}/questions", data=QUESTION)
    (saved_id,) = saved_ids(teacher.client.get(f"/runs/{run_id}").text)
    colleague_user = make_user("teacher", school_id=teacher.user["school_id"])
    colleague = Staff(app.test_client(), colleague_user)
    colleague.login()
    their_class = make_class(teacher.user["school_id"], [colleague_user["id"]], name="2B")
    their_run = colleague.start_run(their_class)

    page = colleague.client.get(f"/runs/{their_run}").text
    added = colleague.client.post(f"/runs/{their_run}/questions/saved/{saved_id}")
    forgotten = colleague.client.post(f"/runs/{their_run}/questions/saved/{saved_id}/forget")

    assert "Wie kende het verhaal al?" not in page
    assert (added.status_code, forgotten.status_code) == (404, 404)
    assert own_questions(app, their_run) == []
    assert saved_ids(teacher.client.get(f"/runs/{run_id}").text) == [saved_id]


def test_a_saved_question_stays_in_its_language(app, teacher):
    dutch = teacher.start_run(teacher.class_id)
    teacher.client.post(f"/runs/{dutch}/questions", data=QUESTION)
    (saved_id,) = saved_ids(teacher.client.get(f"/runs/{dutch}").text)
    english = teacher.start_run(teacher.class_id, language="en")

    assert saved_ids(teacher.client.get(f"/runs/{english}").text) == []
    response = teacher.client.post(f"/runs/{english}/questions/saved/{saved_id}")
    assert response.status_code == 404
    assert own_questions(app, english) == []


def test_forgetting_a_saved_question_keeps_what_lessons_already_have(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    teacher.client.post(f"/runs/{run_id}/questions", data=QUESTION)
    (saved_id,) = saved_ids(teacher.client.get(f"/runs/{run_id}").text)

    response = teacher.client.post(
        f"/runs/{run_id}/questions/saved/{saved_id}/forget", follow_redirects=True
    )

    assert "niet meer bewaard" in response.text
    assert saved_ids(response.text) == []
    assert len(own_questions(app, run_id)) == 1


def test_an_ended_lesson_takes_no_saved_question(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    teacher.client.post(f"/runs/{run_id}/questions", data=QUESTION)
    (saved_id,) = saved_ids(teacher.client.get(f"/runs/{run_id}").text)
    assert teacher.client.post(f"/runs/{run_id}/end").status_code == 303

    response = teacher.client.post(f"/runs/{run_id}/questions/saved/{saved_id}")

    assert response.status_code == 409
    assert len(own_questions(app, run_id)) == 1


def test_a_teacher_keeps_a_bounded_number_of_questions(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    with app.app_context():
        db.session.add_all(
            SavedQuestion(
                teacher_id=teacher.user["id"],
                language="nl",
                type="text",
                content={"question": f"Vraag {n}"},
                correct=None,
            )
            for n in range(MAX_SAVED)
        )
        db.session.commit()

    response = teacher.client.post(
        f"/runs/{run_id}/questions", data=QUESTION, follow_redirects=True
    )

    assert "niet bewaard" in response.text
    assert len(own_questions(app, run_id)) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SavedQuestion.id))) == MAX_SAVED
