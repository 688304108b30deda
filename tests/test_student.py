"""The student's journey and every bad input on it."""

import re

import pytest
from conftest import counted, run_info

from classroom.extensions import db
from classroom.polls.models import Response

# Question order in the sample module: scale, single, multiple, text, scale (post).
SCALE, SINGLE, MULTIPLE, TEXT, SCALE_POST = range(5)


def stored(app, question_id):
    """The stored (value, text) pairs of a question, sorted."""
    with app.app_context():
        rows = db.session.execute(
            db.select(Response.value, Response.text).where(Response.question_id == question_id)
        )
        return sorted((row.value, row.text) for row in rows)


def joined(student, code):
    phone = student()
    assert phone.join(code).status_code == 302
    return phone


def test_the_join_form_accepts_a_code_typed_loosely(live_run, student, app):
    _teacher, _run_id, code, _questions = live_run
    phone = student()
    typed = f" {code[:3].lower()}-{code[3:]} "
    response = phone.client.post("/join", data={"code": typed})
    assert response.status_code == 303
    assert response.location.endswith(f"/j/{code}")
    live = phone.client.get(response.location, follow_redirects=True)
    assert live.status_code == 200
    assert "Wacht op de volgende vraag" in live.text


def test_the_start_page_offers_the_join_form(client):
    page = client.get("/")
    assert 'action="/join"' in page.text
    assert "Doe mee met de les" in page.text


@pytest.mark.parametrize("typed", ["ABCDEF", "0OI1L2", "ABC", "<b>x</b>"])
def test_a_wrong_code_gets_a_clear_message(live_run, client, typed):
    response = client.post("/join", data={"code": typed})
    assert response.status_code == 404
    assert "Er is geen open les met deze code." in response.text
    assert "<b>x</b>" not in response.text


@pytest.mark.parametrize("typed", ["", "x" * 21])
def test_an_empty_or_overlong_code_is_a_400(live_run, client, typed):
    response = client.post("/join", data={"code": typed})
    assert response.status_code == 400
    assert 'class="error"' in response.text


def test_an_unknown_link_code_is_a_404_with_a_message(client):
    response = client.get("/j/ZZZZZZ")
    assert response.status_code == 404
    assert "Er is geen les met deze code." in response.text


def test_the_live_page_without_joining_goes_through_the_join_link(live_run, client):
    _teacher, _run_id, code, _questions = live_run
    response = client.get(f"/live/{code}")
    assert response.status_code == 302
    assert response.location.endswith(f"/j/{code}")


def test_a_student_answers_changes_the_answer_and_is_counted_once(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[SINGLE], "open")
    page = phone.page(code)
    assert "Welke kleur vind je mooi?" in page.text
    assert 'name="answer"' in page.text
    first = phone.answer(code, questions[SINGLE], "0")
    assert first.status_code == 303
    # Storing an answer leaves the phone's cookie as it was: nothing of it is kept there.
    assert "Set-Cookie" not in first.headers
    assert "Je antwoord is opgeslagen" in phone.page(code).text
    again = phone.answer(code, questions[SINGLE], "2")
    assert again.status_code == 303
    assert stored(app, questions[SINGLE]) == [(2, None)]
    page = phone.page(code).text
    # Saved, and not shown: whoever holds the phone reads nothing of what was answered.
    assert not re.search(r"<input checked", page)
    assert page.count("Je antwoord is opgeslagen") == 1
    assert "Stuur een nieuw antwoord" in page
    # The note is about the open poll: it goes when the poll closes.
    teacher.act(run_id, questions[SINGLE], "close")
    assert "Je antwoord is opgeslagen" not in phone.page(code).text


def test_an_answer_is_one_read_and_one_write(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[SINGLE], "open")
    phone.page(code)
    with counted(app) as statements:
        assert phone.answer(code, questions[SINGLE], "1").status_code == 303
    assert len(statements) == 2, statements
    assert stored(app, questions[SINGLE]) == [(1, None)]


def test_a_phone_page_is_one_read_of_the_run_and_one_of_its_own_answer(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    with counted(app) as statements:
        assert "Wacht op de volgende vraag" in phone.page(code).text
    assert len(statements) == 1, statements
    teacher.act(run_id, questions[SINGLE], "open")
    phone.answer(code, questions[SINGLE], "1")
    with counted(app) as statements:
        page = phone.page(code).text
    assert "Je antwoord is opgeslagen" in page and not re.search(r"<input checked", page)
    assert len(statements) == 2, statements


def test_after_joining_the_live_pages_leave_the_cookie_as_it_is(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    waiting = phone.client.get(f"/live/{code}")
    assert "Wacht op de volgende vraag" in waiting.text
    assert "Set-Cookie" not in waiting.headers
    teacher.act(run_id, questions[SINGLE], "open")
    question = phone.client.get(f"/live/{code}")
    assert 'name="answer"' in question.text
    assert "Set-Cookie" not in question.headers


def test_students_can_join_after_the_first_question(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[SCALE], "open")
    teacher.act(run_id, questions[SINGLE], "open")
    late = joined(student, code)
    assert "Welke kleur vind je mooi?" in late.page(code).text
    assert late.answer(code, questions[SINGLE], "1").status_code == 303
    assert stored(app, questions[SINGLE]) == [(1, None)]


def test_every_question_type_is_stored(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    cases = [
        (SCALE, "4", [(4, None)]),
        (SINGLE, "1", [(1, None)]),
        (MULTIPLE, ["0", "3"], [(0b1001, None)]),
        (TEXT, "  Hoopvol  ", [(None, "Hoopvol")]),
    ]
    for index, answer, expected in cases:
        teacher.act(run_id, questions[index], "open")
        assert phone.answer(code, questions[index], answer).status_code == 303
        assert stored(app, questions[index]) == expected


def test_a_closed_poll_refuses_the_answer_and_keeps_the_old_one(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[SINGLE], "open")
    phone.answer(code, questions[SINGLE], "0")
    teacher.act(run_id, questions[SINGLE], "close")
    response = phone.answer(code, questions[SINGLE], "1")
    assert response.status_code == 409
    assert "Deze peiling is gesloten. Je antwoord is niet opgeslagen." in response.text
    assert stored(app, questions[SINGLE]) == [(0, None)]


def test_a_question_that_was_never_opened_refuses_answers(app, live_run, student):
    _teacher, _run_id, code, questions = live_run
    phone = joined(student, code)
    assert phone.answer(code, questions[SINGLE], "0").status_code == 409
    assert stored(app, questions[SINGLE]) == []


@pytest.mark.parametrize(
    ("index", "answer"),
    [
        (SINGLE, "7"),
        (SINGLE, "-1"),
        (SINGLE, "rood"),
        (SINGLE, None),
        (SCALE, "6"),
        (SCALE, "0"),
        (MULTIPLE, ["0", "9"]),
        (MULTIPLE, None),
        (TEXT, ""),
        (TEXT, "   "),
        (TEXT, "x" * 281),
    ],
)
def test_an_invalid_answer_is_a_400_with_a_message_and_changes_nothing(
    app, live_run, student, index, answer
):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[index], "open")
    response = phone.answer(code, questions[index], answer)
    assert response.status_code == 400
    assert 'class="error"' in response.text
    assert stored(app, questions[index]) == []


def test_a_too_long_text_says_how_long_it_may_be(live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[TEXT], "open")
    response = phone.answer(code, questions[TEXT], "x" * 281)
    assert "maximaal 280 tekens" in response.text


def test_a_text_of_exactly_280_characters_is_accepted(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[TEXT], "open")
    assert phone.answer(code, questions[TEXT], "é" * 280).status_code == 303
    assert stored(app, questions[TEXT]) == [(None, "é" * 280)]


def test_a_question_of_another_run_is_a_404(app, live_run, student, teacher):
    _teacher_a, _run_a, code_a, _questions_a = live_run
    run_b = teacher.start_run(teacher.class_id)
    _code_b, questions_b = run_info(app, run_b)
    teacher.act(run_b, questions_b[SINGLE], "open")
    phone = joined(student, code_a)
    assert phone.answer(code_a, questions_b[SINGLE], "0").status_code == 404
    assert stored(app, questions_b[SINGLE]) == []


def test_a_missing_csrf_token_is_refused_and_changes_nothing(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[SINGLE], "open")
    app.config["WTF_CSRF_ENABLED"] = True
    response = phone.answer(code, questions[SINGLE], "0")
    assert response.status_code == 400
    assert "Het formulier was verlopen" in response.text
    assert stored(app, questions[SINGLE]) == []


def test_an_answer_after_the_run_ended_is_a_410(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[SINGLE], "open")
    teacher.client.post(f"/runs/{run_id}/end")
    assert phone.answer(code, questions[SINGLE], "0").status_code == 410
    assert phone.page(code).status_code == 410
    assert stored(app, questions[SINGLE]) == []


def test_the_waiting_screen_refreshes_without_javascript(live_run, student):
    _teacher, _run_id, code, _questions = live_run
    page = joined(student, code).page(code).text
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert f'href="/live/{code}"' in page
    assert "/static/js/live.js" in page


def test_the_student_state_endpoint_follows_the_teacher_with_etags(live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    first = phone.client.get(f"/live/{code}/state")
    etag = first.headers["ETag"]
    unchanged = phone.client.get(f"/live/{code}/state", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.data == b""
    teacher.act(run_id, questions[SCALE], "open")
    changed = phone.client.get(f"/live/{code}/state", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json["version"] == first.json["version"] + 1
