"""A several-answers quiz question: right only when exactly the right set is ticked.

Ticking every box is not right: not on the phone's own verdict, not in the share of
right answers the teacher and the class see.
"""

import re

import pytest
from conftest import rendered_form

from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, ResultRelease

RIGHT = "Je antwoord was goed."
WRONG = "Je antwoord was niet het goede."
# Options A, B, C; B (the second) is right. Two tick B alone, two tick every box, one A
# alone, one B and C: B is ticked by five of six (83%), exactly right by two (33%).
TICKS = [["1"], ["1"], ["0", "1", "2"], ["0", "1", "2"], ["0"], ["1", "2"]]
EXACTLY_RIGHT = [True, True, False, False, False, False]


def own_quiz(app, teacher, run_id):
    """Add a several-answers question with a right answer through the rendered form."""
    page = teacher.client.get(f"/runs/{run_id}").text
    data = rendered_form(page, f"/runs/{run_id}/questions")
    assert "correct" in data and "type" in data
    data.update(type="multiple", question="Welke zijn priemgetallen: 4, 5, 9?")
    data.update(options="4\n5\n9", correct="2")
    assert teacher.client.post(f"/runs/{run_id}/questions", data=data).status_code == 303
    with app.app_context():
        own = db.session.scalar(db.select(Question).where(Question.added_by_teacher))
        assert (own.type, own.correct) == ("multiple", 1)
        return own.id


@pytest.fixture
def quiz(app, live_run, student):
    """The own quiz question, answered by six phones as in TICKS, and revealed."""
    teacher, run_id, code, _questions = live_run
    question_id = own_quiz(app, teacher, run_id)
    phones = [student() for _ in TICKS]
    for phone in phones:
        assert phone.join(code).status_code == 302
    teacher.act(run_id, question_id, "open")
    for phone, ticks in zip(phones, TICKS, strict=True):
        assert phone.answer(code, question_id, ticks).status_code == 303
    teacher.act(run_id, question_id, "reveal")
    return teacher, run_id, code, question_id, phones


def test_only_phones_that_ticked_exactly_the_right_box_see_right(quiz):
    _teacher, _run_id, code, _question_id, phones = quiz
    for phone, exactly_right in zip(phones, EXACTLY_RIGHT, strict=True):
        page = phone.page(code).text
        assert (RIGHT in page) is exactly_right
        assert (WRONG in page) is not exactly_right


def test_the_share_of_right_answers_is_the_exactly_right_share(app, quiz):
    teacher, run_id, code, question_id, phones = quiz
    with app.app_context():
        result = answers.results(db.session.get(Question, question_id), "nl")
        assert [o.count for o in result.options] == [3, 5, 3]
        assert result.correct_percent == 33
    for page in (
        teacher.client.get(f"/runs/{run_id}").text,
        teacher.client.get(f"/runs/{run_id}/present").text,
        phones[0].page(code).text,
    ):
        assert "33% koos het goede antwoord." in page
        assert not re.search(r"83% koos het goede antwoord", page)


def test_a_release_without_the_figure_shows_no_share(app, quiz):
    """A release made before the exactly-right count was kept: no share, not a wrong one."""
    _teacher, _run_id, _code, question_id, _phones = quiz
    with app.app_context():
        kept = db.session.get(ResultRelease, question_id)
        figures = dict(kept.results)
        assert figures.pop("right") == 2
        kept.results = figures
        db.session.commit()
        result = answers.results(db.session.get(Question, question_id), "nl")
        assert result.correct_percent is None
        assert [o.count for o in result.options] == [3, 5, 3]


def test_on_a_sensitive_poll_one_or_two_right_shows_no_share(app, live_run, student):
    teacher, run_id, code, _questions = live_run
    question_id = own_quiz(app, teacher, run_id)
    with app.app_context():
        db.session.get(Question, question_id).sensitive = True
        db.session.commit()
    phones = [student() for _ in TICKS]
    for phone in phones:
        phone.join(code)
    teacher.act(run_id, question_id, "open")
    for phone, ticks in zip(phones, TICKS, strict=True):
        assert phone.answer(code, question_id, ticks).status_code == 303
    teacher.act(run_id, question_id, "reveal")
    with app.app_context():
        result = answers.results(db.session.get(Question, question_id), "nl")
        assert not result.any_hidden  # 3, 5, 3: every cell shown ...
        assert result.correct_percent is None  # ... but "2 exactly right" is not
    assert "koos het goede antwoord" not in teacher.client.get(f"/runs/{run_id}/present").text
