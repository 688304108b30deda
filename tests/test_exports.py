"""CSV exports that open as columns in the user's spreadsheet; numbers in their notation."""

import csv
import io

from conftest import run_info

from classroom.numbers import number, points, signed

SCALE, SINGLE, MULTIPLE, TEXT, SCALE_POST, RANKING, ESTIMATE = range(7)


def answer_all(student, teacher, run_id, code, question_id, values, field="answer"):
    teacher.act(run_id, question_id, "open")
    for value in values:
        phone = student()
        phone.join(code)
        data = value if isinstance(value, dict) else {field: value}
        response = phone.client.post(f"/live/{code}/questions/{question_id}", data=data)
        assert response.status_code == 303
    teacher.act(run_id, question_id, "reveal")


def read(response, delimiter):
    assert response.text.startswith("\ufeff")  # Excel reads the accents
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=delimiter))


def test_the_summary_csv_opens_in_dutch_excel_with_places_median_and_a_telling_name(
    app, teacher, student
):
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    rankings = [(1, 2, 3), (1, 3, 2), (2, 1, 3), (1, 2, 3), (3, 1, 2)]
    answer_all(
        student, teacher, run_id, code, questions[RANKING],
        [{f"place_{i}": str(p) for i, p in enumerate(places)} for places in rankings],
    )  # fmt: skip
    answer_all(
        student, teacher, run_id, code, questions[ESTIMATE], ["40", "10", "25", "60", "5", "30"]
    )
    response = teacher.client.get(f"/runs/{run_id}/summary.csv")
    disposition = response.headers["Content-Disposition"]
    assert "sample-3-havo-b-" in disposition and disposition.endswith('.csv"')
    rows = read(response, ";")
    header = rows[0]
    assert header == [
        "vraag", "tekst", "antwoord", "aantal", "procent", "gemiddelde plaats", "mediaan",
        "antwoorden", "geteld door", "opmerking",
    ]  # fmt: skip
    ranking = {row[2]: row for row in rows if row[0] == rows[-1][0] or row[2] == "Vriendschap"}
    assert ranking["Vriendschap"][5] == "1,6"  # average place, as on the screen
    estimate = [row for row in rows[1:] if row[6]]
    assert estimate and {row[6] for row in estimate} == {"27,5"}
    # Every number column holds numbers or nothing.
    for row in rows[1:]:
        for cell in (row[3], row[4], row[5], row[6], row[7]):
            assert cell == "" or cell.replace(",", "").isdigit(), row


def test_an_english_user_gets_commas_and_english_headers(app, teacher, student):
    run_id = teacher.start_run(teacher.class_id)
    teacher.client.post("/language", data={"language": "en", "next": "/"})
    code, questions = run_info(app, run_id)
    answer_all(
        student, teacher, run_id, code, questions[ESTIMATE], ["40", "10", "25", "60", "5", "30"]
    )
    rows = read(teacher.client.get(f"/runs/{run_id}/summary.csv"), ",")
    assert rows[0][:4] == ["question", "text", "answer", "count"]
    assert "27.5" in {row[6] for row in rows[1:]}


def test_numbers_follow_the_language(app):
    with app.test_request_context("/"):
        from flask import session

        session["language"] = "nl"
        assert number(3.4) == "3,4"
        assert signed(0.2) == "+0,2"
        assert signed(-1.25, 2) == "\u22121,25"
        assert points(-20) == "\u221220 procentpunt"
        assert points(0) == "0 procentpunt"
    with app.test_request_context("/"):
        from flask import session

        session["language"] = "en"
        assert number(3.4) == "3.4"
        assert points(20) == "+20 percentage points"


def test_estimate_bins_do_not_overlap(app, teacher, student):
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    answer_all(
        student, teacher, run_id, code, questions[ESTIMATE], ["40", "10", "25", "60", "70", "30"]
    )
    rows = read(teacher.client.get(f"/runs/{run_id}/summary.csv"), ";")
    labels = [row[2] for row in rows if row[0] == rows[-1][0] and row[6]]
    assert "60–69%" in labels and "70–79%" in labels and labels[-1] == "90–100%"
    counts = {row[2]: row[3] for row in rows if row[2] in ("60–69%", "70–79%")}
    assert counts == {"60–69%": "1", "70–79%": "1"}
