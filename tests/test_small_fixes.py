"""The smaller items of issue 24, through the test client: the overview's frame, the
own-question form per kind, the sign-on example, "je" throughout, Dutch CSV statuses and
page scripts only where their question type is."""

import csv
import io
import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import Staff, rendered_form, run_info

from classroom.coordination.models import Assignment
from classroom.extensions import db
from classroom.polls.models import Question
from classroom.timeutil import now_utc

CATALOG = Path(__file__).resolve().parents[1] / "classroom/translations/nl/LC_MESSAGES/messages.po"
EXAMPLE_ISSUER = "https://login.microsoftonline.com/<tenant-id>/v2.0"
# "u" or "uw" as a word: not inside another word ("uur", "duw"), a contraction or a
# compound with a hyphen ("U-bocht").
FORMAL = re.compile(r"(?<![\w'’-])(u|uw|uzelf)(?![\w'’-])", re.IGNORECASE)


def in_english(staff: Staff) -> None:
    """Switch this browser's interface to English, as the language switch does."""
    assert staff.client.post("/language", data={"language": "en", "next": "/"}).status_code == 303


# --- the overview ------------------------------------------------------------------------


def test_the_overview_scrolls_inside_a_named_focusable_frame(coordinator, make_class):
    make_class(coordinator.user["school_id"])
    page = coordinator.client.get("/school/").text
    frame = re.search(r"<div [^>]*class=\"[^\"]*overview-frame[^>]*>", page)
    assert frame is not None, "the matrix has no frame of its own"
    assert 'tabindex="0"' in frame[0] and 'role="region"' in frame[0]
    assert 'aria-label="Klassen per module, dit schooljaar"' in frame[0]
    assert '<th scope="row">3 HAVO B</th>' in page


# --- the own-question form ---------------------------------------------------------------


def own_form(teacher: Staff, run_id: int, **changes) -> dict:
    """What a browser without JavaScript sends from the rendered own-question form."""
    page = teacher.client.get(f"/runs/{run_id}").text
    data = rendered_form(page, f"/runs/{run_id}/questions")
    assert {"type", "question", "low", "high", "minimum", "maximum", "answer"} <= set(data)
    data.update(changes)
    return data


def own_questions(app) -> list:
    with app.app_context():
        return list(db.session.scalars(db.select(Question).where(Question.added_by_teacher)))


def test_without_javascript_every_group_names_the_kinds_that_use_it(live_run):
    teacher, run_id, _code, _questions = live_run
    page = unescape(teacher.client.get(f"/runs/{run_id}").text)
    assert 'data-for-types="scale"' in page and 'data-for-types="estimate"' in page
    assert "Alleen voor: Schaal van 1 tot 5" in page
    assert "Alleen voor: Schat een getal" in page
    assert "Alleen voor: Eén antwoord, Meerdere antwoorden, Op volgorde zetten" in page


def test_a_refused_question_shows_its_error_at_the_top_and_at_the_field(app, live_run):
    teacher, run_id, _code, _questions = live_run
    data = own_form(teacher, run_id, type="estimate", question="", minimum="10", maximum="5")
    response = teacher.client.post(f"/runs/{run_id}/questions", data=data)
    assert response.status_code == 400
    page = response.text
    summary = re.search(r'<section class="error-summary".*?</section>', page, re.S)
    assert summary is not None and page.index("error-summary") < page.index("<h1>")
    assert 'href="#question"' in summary[0]
    assert 'id="question-error"' in page and 'aria-invalid="true"' in page
    message = re.search(r'<p class="error" id="question-error">([^<]+)</p>', page)[1].strip()
    assert message in summary[0]
    assert own_questions(app) == []


def test_an_estimate_whose_range_is_reversed_is_named_in_both_places(app, live_run):
    teacher, run_id, _code, _questions = live_run
    data = own_form(teacher, run_id, type="estimate", question="Hoeveel?", minimum="9", maximum="2")
    response = teacher.client.post(f"/runs/{run_id}/questions", data=data)
    assert response.status_code == 400
    assert 'href="#maximum"' in response.text and 'id="maximum-error"' in response.text
    assert own_questions(app) == []


def test_the_fields_of_another_kind_are_ignored_errors_included(app, live_run):
    teacher, run_id, _code, _questions = live_run
    data = own_form(
        teacher, run_id, type="single", question="Eens?", options="Ja\nNee", minimum="veel",
        low="x" * 41,
    )  # fmt: skip
    response = teacher.client.post(f"/runs/{run_id}/questions", data=data)
    assert response.status_code == 303
    (own,) = own_questions(app)
    assert own.type == "single"


def test_a_wrong_field_of_the_chosen_kind_still_counts(app, live_run):
    teacher, run_id, _code, _questions = live_run
    data = own_form(teacher, run_id, type="estimate", question="Hoeveel?", minimum="veel")
    response = teacher.client.post(f"/runs/{run_id}/questions", data=data)
    assert response.status_code == 400
    assert 'href="#minimum"' in response.text
    assert own_questions(app) == []


def test_the_page_without_errors_has_no_summary(live_run):
    teacher, run_id, _code, _questions = live_run
    assert "error-summary" not in teacher.client.get(f"/runs/{run_id}").text


# --- sign-on settings and the form of address --------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_sign_on_page_shows_the_example_issuer_escaped(coordinator, language):
    if language == "en":
        in_english(coordinator)
    page = coordinator.client.get("/school/sign-on").text
    assert "https://login.microsoftonline.com/&lt;tenant-id&gt;/v2.0" in page
    assert "<tenant" not in page and "microsoftonline.com//v2.0" not in page


def test_the_sign_on_page_says_je_not_u(coordinator):
    page = re.sub(r"<[^>]+>", " ", coordinator.client.get("/school/sign-on").text)
    assert FORMAL.findall(unescape(page)) == []
    assert "bij de provider van je school" in unescape(page)


def test_no_dutch_text_addresses_the_reader_as_u():
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    formal = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        formal += [text for text in strings if text and FORMAL.search(text)]
    assert formal == []


def test_the_formal_check_spares_words_that_only_contain_u():
    fine = "Je hebt een uur; duw op de knop, kies uit de U-bocht of ’s ochtends."
    assert FORMAL.findall(fine) == []
    assert FORMAL.findall("Log in met uw account; u logt daarna in. Uw school.") == [
        "uw", "u", "Uw",
    ]  # fmt: skip


# --- the overview CSV --------------------------------------------------------------------


def overview_rows(staff: Staff, delimiter: str) -> list[dict]:
    text = staff.client.get("/school/overview.csv").text.lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


@pytest.fixture
def planned_and_overdue(app, coordinator, make_user, make_class):
    """One class with the sample planned for next week, another that is late with it."""
    school_id = coordinator.user["school_id"]
    teacher = make_user("teacher", school_id=school_id)
    today = now_utc().date()
    with app.app_context():
        for name, due in (
            ("3 HAVO B", today + timedelta(days=7)),
            ("4 VWO A", today - timedelta(days=3)),
        ):
            class_id = make_class(school_id, [teacher["id"]], name=name)
            db.session.add(
                Assignment(
                    school_id=school_id, class_id=class_id, teacher_id=teacher["id"],
                    module_slug="sample", due_on=due,
                )
            )  # fmt: skip
        db.session.commit()


@pytest.mark.usefixtures("planned_and_overdue")
@pytest.mark.parametrize(
    ("language", "class_column", "status_column", "expected"),
    [
        ("nl", "klas", "status", {"3 HAVO B": "gepland", "4 VWO A": "te laat"}),
        ("en", "class", "status", {"3 HAVO B": "planned", "4 VWO A": "overdue"}),
    ],
)
def test_the_overview_csv_words_its_statuses_in_its_language(
    coordinator, language, class_column, status_column, expected
):
    if language == "en":
        in_english(coordinator)
    rows = overview_rows(coordinator, ";" if language == "nl" else ",")
    assert {row[class_column]: row[status_column] for row in rows} == expected


# --- page scripts ------------------------------------------------------------------------


def test_a_question_page_loads_the_ranking_script_only_for_a_ranking(app, teacher, student):
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    phone = student()
    assert phone.join(code).status_code == 302
    assert "ranking.js" not in phone.page(code).text  # waiting
    teacher.act(run_id, questions[1], "open")  # the sample's single choice
    single = phone.page(code).text
    assert 'type="radio"' in single and "ranking.js" not in single
    teacher.act(run_id, questions[1], "close")
    teacher.act(run_id, questions[-2], "open")  # the sample's ranking
    ranking = phone.page(code).text
    assert 'class="rank-select"' in ranking and "/static/js/ranking.js" in ranking
    assert "ranking.js" in phone.page(code).text  # the shared copy of the page too


def test_the_teacher_screen_loads_the_own_question_script_only_while_it_runs(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    assert "own-question.js" in teacher.client.get(f"/runs/{run_id}").text
    assert "moderation.js" in teacher.client.get(f"/runs/{run_id}").text  # a text question
    assert teacher.client.post(f"/runs/{run_id}/end").status_code in (302, 303)
    page = teacher.client.get(f"/runs/{run_id}").text
    assert "own-question.js" not in page
