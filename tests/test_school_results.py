"""School-wide results: exact figures, suppression below k, the subtraction case, isolation."""

import csv
import io
import re

import pytest
from conftest import Staff

from classroom.extensions import db
from classroom.polls import answers, services
from classroom.polls.models import Question, Run

# Sample module question keys: home-pre (scale), colour (single), weekend (multiple),
# word (text), home-post (scale, paired with home-pre).


@pytest.fixture
def give_lesson(app, coordinator, make_staff, make_class):
    """Give the sample lesson to a new class with the given answers per question key."""
    counter = iter(range(1000))

    def give(answers_by_key: dict[str, list], school_id=None):
        school_id = school_id or coordinator.user["school_id"]
        teacher = make_staff("teacher", school_id=school_id)
        class_id = make_class(school_id, [teacher.user["id"]], name=f"Klas {next(counter)}")
        run_id = teacher.start_run(class_id)
        with app.app_context():
            run = db.session.get(Run, run_id)
            for question in run.questions:
                for device, value in enumerate(answers_by_key.get(question.key, [])):
                    services.open_question(question)
                    text = value if question.type == "text" else None
                    answers.store_answer(
                        question, f"device-{device}", value=None if text else value, text=text
                    )
            services.end_run(run)
            db.session.commit()
        return run_id

    return give


@pytest.fixture
def give_in_two_classes(give_lesson):
    """Give the lesson to two classes, the answers of each question shared out between them."""

    def give(answers_by_key: dict[str, list]):
        for half in (0, 1):
            give_lesson({key: values[half::2] for key, values in answers_by_key.items()})

    return give


def school_figures(app, coordinator, key):
    coordinator.client.get("/school/results/sample")  # the page makes any due release
    with app.app_context():
        runs = list(db.session.scalars(db.select(Run)))
        school_id = coordinator.user["school_id"]
        found = answers.school_results(runs, school_id, "sample", 10, "nl")
        return next(r for r in found if r.key == key), found


def results_csv(coordinator, slug="sample"):
    response = coordinator.client.get(f"/school/results/{slug}.csv")
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";")
    english = {
        "vraag": "question", "antwoordmogelijkheid": "option", "aantal": "count",
        "procent": "percent", "antwoorden": "answers", "lessen": "runs", "opmerking": "note",
    }  # fmt: skip
    table = {}
    for row in rows:
        row = {english.get(name, name): value for name, value in row.items()}
        # A suppressed cell stays empty in its number column; the note says why.
        if row["note"]:
            assert row["count"] == "" or row["percent"] == ""
            row["count"] = row["count"] or (
                "hidden" if row["note"] == "niet getoond" else row["note"]
            )
        table[(row["question"], row["option"])] = row
    return table


def test_figures_add_up_over_classes_with_exact_numbers(app, coordinator, give_lesson):
    give_lesson({"colour": [0] * 6 + [1] * 4 + [2] * 2})
    give_lesson({"colour": [0] * 4 + [1] * 10 + [2] * 8})
    table = results_csv(coordinator)
    assert table[("colour", "Rood")]["count"] == "10"
    assert table[("colour", "Groen")]["count"] == "14"
    assert table[("colour", "Blauw")]["count"] == "10"
    assert table[("colour", "Rood")]["percent"] == "29"
    assert table[("colour", "Rood")]["answers"] == "34"
    assert table[("colour", "Rood")]["runs"] == "2"


def test_a_question_below_school_k_shows_nothing(app, coordinator, give_lesson):
    give_lesson({"colour": [0, 0, 1, 1, 2, 2, 2]})  # 7 answers < 10
    table = results_csv(coordinator)
    assert {table[("colour", o)]["count"] for o in ("Rood", "Groen", "Blauw")} == {"hidden"}
    page = coordinator.client.get("/school/results/sample").text
    assert "Nog te weinig antwoorden om iets te laten zien." in page


def test_a_small_cell_is_hidden_with_the_empty_one_against_subtraction(
    app, coordinator, give_in_two_classes
):
    # 30 answers: Rood 3 (< 10), Groen 0, Blauw 27.
    give_in_two_classes({"colour": [0] * 3 + [2] * 27})
    table = results_csv(coordinator)
    assert table[("colour", "Rood")]["count"] == "hidden"
    # A Groen of 0 would give Rood away as 30 - 0 - 27: hidden too, either could hold the 3.
    assert table[("colour", "Groen")]["count"] == "hidden"
    assert table[("colour", "Blauw")]["count"] == "27"
    assert table[("colour", "Blauw")]["percent"] == "90"


def test_a_small_cell_nothing_empty_can_cover_hides_every_cell(
    app, coordinator, give_in_two_classes
):
    # 30 answers: Rood 3 (< 10), Groen 12, Blauw 15. Hiding Rood and Groen would leave
    # 15 over them, one below 10; no cell could be 0, so only the total is shown.
    give_in_two_classes({"colour": [0] * 3 + [1] * 12 + [2] * 15})
    result, _found = school_figures(app, coordinator, "colour")
    assert result.shown and result.total == 30
    assert [o.count for o in result.options] == [None, None, None]
    assert [o.percent for o in result.options] == [None, None, None]
    table = results_csv(coordinator)
    assert {table[("colour", o)]["percent"] for o in ("Rood", "Groen", "Blauw")} == {""}
    assert {table[("colour", o)]["answers"] for o in ("Rood", "Groen", "Blauw")} == {"30"}


def test_two_small_cells_hide_each_other_and_the_mean_is_withheld(
    app, coordinator, give_in_two_classes
):
    give_in_two_classes({"home-pre": [1] * 2 + [2] * 3 + [4] * 10 + [5] * 10})
    result, _found = school_figures(app, coordinator, "home-pre")
    # The empty point 3 hides with them: any of the three could be 0.
    assert [o.count for o in result.options] == [None, None, None, 10, 10]
    assert result.mean is None  # the mean would reveal the hidden cells


def test_the_mean_and_comparison_appear_when_nothing_is_hidden(
    app, coordinator, give_in_two_classes
):
    give_in_two_classes({"home-pre": [2] * 10 + [4] * 10, "home-post": [4] * 10 + [5] * 10})
    _result, found = school_figures(app, coordinator, "home-pre")
    comparison = answers.school_comparisons(found)[0]
    assert comparison.complete
    assert comparison.pre.mean == 3.0 and comparison.post.mean == 4.5
    assert comparison.mean_change == 1.5
    assert comparison.share_changes[1] == ("2", 50, 0)
    assert comparison.share_changes[0][0] == "1 · Helemaal oneens"
    page = coordinator.client.get("/school/results/sample").text
    assert "Verandering van het gemiddelde: +1,5" in page


def test_a_comparison_with_a_hidden_side_shows_no_figures(app, coordinator, give_lesson):
    give_lesson({"home-pre": [2] * 10 + [4] * 10, "home-post": [4] * 18 + [5] * 2})
    page = coordinator.client.get("/school/results/sample").text
    assert "Niet genoeg antwoorden aan beide kanten om te vergelijken." in page


def test_a_class_below_its_own_k_never_counts_so_differencing_reveals_nothing(
    app, coordinator, give_lesson
):
    give_lesson({"colour": [1] * 12})
    give_lesson({"colour": [2] * 12})
    before = results_csv(coordinator)
    assert before[("colour", "Groen")]["count"] == "12"
    give_lesson({"colour": [0] * 4})  # 4 < run k 5: this class's answers stay out
    give_lesson({"colour": [0] * 4})
    after = results_csv(coordinator)
    assert before == after


def test_open_answers_never_reach_the_coordinator(app, coordinator, give_lesson):
    give_lesson({"word": ["geheimwoord"] * 12})
    page = coordinator.client.get("/school/results/sample").text
    csv_text = coordinator.client.get("/school/results/sample.csv").text
    assert "geheimwoord" not in page and "geheimwoord" not in csv_text


def test_csv_cells_cannot_become_formulas(app, coordinator, make_class):
    make_class(coordinator.user["school_id"], name='=HYPERLINK("x")')
    text = coordinator.client.get("/school/overview.csv").text
    assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "")


def test_no_route_of_school_a_shows_anything_to_school_b(
    app, coordinator, give_lesson, make_user, make_class, student
):
    """A coordinator and a teacher of school B try every route with school A's ids."""
    run_id = give_lesson({"colour": [0] * 6 + [1] * 6})
    with app.app_context():
        run = db.session.get(Run, run_id)
        a_class_id, a_teacher_id = run.class_id, run.teacher_id
        a_question = db.session.scalar(db.select(Question.id).where(Question.run_id == run_id))
        a_class_name = run.school_class.name
    coordinator.client.post(
        "/school/assignments",
        data={"module": "sample", "classes": [a_class_id], "teacher": a_teacher_id,
              "due_on": "2999-01-01"},
    )  # fmt: skip
    with app.app_context():
        from classroom.coordination.models import Assignment

        a_assignment = db.session.scalar(db.select(Assignment.id))
    other_coordinator = make_user("coordinator")
    b = Staff(app.test_client(), other_coordinator)
    b.login()
    b_teacher = Staff(
        app.test_client(), make_user("teacher", school_id=other_coordinator["school_id"])
    )
    b_teacher.login()
    values = {
        "class_id": a_class_id, "user_id": a_teacher_id, "assignment_id": a_assignment,
        "run_id": run_id, "question_id": a_question, "slug": "sample", "action": "open",
        "answer_id": "00000000-0000-0000-0000-000000000000", "saved_id": 1, "phase_key": "pre",
    }  # fmt: skip
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("coordination", "polls", "reports"):
            continue
        if "code" in rule.arguments or "token" in rule.arguments:
            continue
        arguments = {}
        for name in rule.arguments:
            choices = getattr(rule._converters[name], "items", None)
            arguments[name] = sorted(choices)[0] if choices else values[name]
        url = rule.build(arguments)[1]
        for visitor in (b, b_teacher):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                response = visitor.client.open(url, method=method)
                checked += 1
                assert response.status_code in (200, 303, 400, 403, 404), (
                    url,
                    response.status_code,
                )
                body = response.get_data(as_text=True)
                assert a_class_name not in body, url
                assert f"/runs/{run_id}" not in body or response.status_code == 404, url
    assert checked > 30
    with app.app_context():
        from classroom.coordination.models import Assignment, SchoolClass

        assert db.session.get(SchoolClass, a_class_id).archived_at is None
        assert db.session.get(Assignment, a_assignment) is not None
        assert db.session.get(Run, run_id).ended_at is not None
    assert re.search("Klas 0", coordinator.client.get("/school/").text)
