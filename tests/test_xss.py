"""User text is escaped on every page and export that shows it; CSV cells cannot become formulas."""

import csv
import io

import pytest
from conftest import Staff, run_info
from markupsafe import escape

from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question

PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "'\"><iframe src=//evil.test>",
    "{{ 7*7 }}<b>vet</b>",
]
DANGEROUS = ["<script>alert", "<img src=x", "<svg/onload", "<iframe", "<b>vet</b>"]


def assert_escaped(body: str, where: str) -> None:
    for fragment in DANGEROUS:
        assert fragment not in body, f"{fragment!r} unescaped in {where}"
    assert ">49<" not in body, f"template injection in {where}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_is_escaped_everywhere(app, make_user, make_class, student, payload):
    coordinator_user = make_user("coordinator")
    school_id = coordinator_user["school_id"]
    coordinator = Staff(app.test_client(), coordinator_user)
    coordinator.login()
    teacher_user = make_user("teacher", school_id=school_id)
    teacher = Staff(app.test_client(), teacher_user)
    teacher.login()
    # A class name and an assignment note typed by the coordinator.
    coordinator.client.post(
        "/school/classes",
        data={"name": payload[:60], "level": "havo", "year": "3", "teachers": [teacher_user["id"]]},
    )
    with app.app_context():
        from classroom.coordination.models import SchoolClass

        class_id = db.session.scalar(
            db.select(SchoolClass.id).where(SchoolClass.school_id == school_id)
        )
    coordinator.client.post(
        "/school/assignments",
        data={"module": "sample", "classes": [class_id], "teacher": teacher_user["id"],
              "due_on": "2999-01-01", "note": payload},
    )  # fmt: skip
    run_id = teacher.start_run(class_id)
    code, questions = run_info(app, run_id)
    # The teacher's own question and open answers typed by students.
    teacher.client.post(
        f"/runs/{run_id}/questions",
        data={"type": "single", "question": payload[:200], "options": f"{payload[:80]}\nNee"},
    )
    teacher.act(run_id, questions[3], "open")
    for _ in range(5):
        phone = student()
        phone.join(code)
        phone.answer(code, questions[3], payload)
    with app.app_context():
        for entry in answers.moderation_queue(db.session.get(Question, questions[3])).answers:
            answers.moderate(db.session.get(Question, questions[3]), entry.id, "approved")
        db.session.commit()
    teacher.act(run_id, questions[3], "reveal")
    viewer = student()
    viewer.join(code)
    pages = {
        "control": teacher.client.get(f"/runs/{run_id}"),
        "projector": teacher.client.get(f"/runs/{run_id}/present"),
        "summary": teacher.client.get(f"/runs/{run_id}/summary"),
        "student": viewer.page(code),
        "dashboard": teacher.client.get("/"),
        "my lessons": teacher.client.get("/runs/"),
        "overview": coordinator.client.get("/school/"),
        "classes": coordinator.client.get("/school/classes"),
        "assignments": coordinator.client.get("/school/assignments"),
        "citizenship": coordinator.client.get("/school/citizenship"),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        assert_escaped(response.text, where)
    assert str(escape(payload)) in pages["control"].text  # shown, as text
    for export in (f"/runs/{run_id}/summary.csv", "/school/overview.csv"):
        client = teacher.client if export.startswith("/runs") else coordinator.client
        text = client.get(export).text.lstrip("\ufeff")
        for row in csv.reader(io.StringIO(text), delimiter=";"):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")), (export, cell)


@pytest.mark.parametrize("formula", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x")'])
def test_open_answers_cannot_become_spreadsheet_formulas(app, live_run, student, formula):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[3], "open")
    for _ in range(5):
        phone = student()
        phone.join(code)
        phone.answer(code, questions[3], formula)
    with app.app_context():
        question = db.session.get(Question, questions[3])
        for entry in answers.moderation_queue(question).answers:
            answers.moderate(question, entry.id, "approved")
        db.session.commit()
    teacher.act(run_id, questions[3], "reveal")
    text = teacher.client.get(f"/runs/{run_id}/summary.csv").text.lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert "'" + formula in cells
    assert formula not in cells
