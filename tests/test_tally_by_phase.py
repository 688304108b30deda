"""Paper in one pass and hands up at the wall: a tally grid per phase, its printed sheet,
letters on the projector, +1 on the compact screen, and words that follow the way of answering.
"""

import re

import pytest
from conftest import Staff, rendered_form, run_info
from test_no_phones import start as start_lesson

from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, Run

KEYS = ("home-pre", "colour", "weekend", "word", "home-post", "priorities", "haters")


def start(teacher, mode="paper", language="nl", class_size=25):
    run_id = start_lesson(teacher, mode, language, class_size)
    return run_id, dict(zip(KEYS, run_info(teacher_app(teacher), run_id)[1], strict=True))


def teacher_app(teacher):
    return teacher.client.application


def grid_url(run_id, phase):
    return f"/runs/{run_id}/phases/{phase}/tally"


def grid_fields(teacher, run_id, phase, **counts):
    """The grid form as rendered, with the rows given as question id -> counts per box."""
    page = teacher.client.get(grid_url(run_id, phase))
    assert page.status_code == 200
    fields = rendered_form(page.text, grid_url(run_id, phase))
    for question_id, row in counts.items():
        for index, count in enumerate(row):
            name = f"q{question_id}_{index}"
            assert name in fields, f"{name} is not on the rendered grid"
            fields[name] = str(count)
    return fields


def stored(app, question_id):
    with app.app_context():
        return answers.count_answers(db.session.get(Question, question_id))


def figures(app, question_id):
    """The released counts of a question, released now as the teacher's button would."""
    with app.app_context():
        question = db.session.get(Question, question_id)
        answers.release(question)
        db.session.commit()
        result = answers.results(question, "en")
        return [option.count for option in result.options], question.counted_by, question.status


def nothing_stored(app, run_id):
    with app.app_context():
        run = db.session.get(Run, run_id)
        return all(answers.count_answers(q) == 0 for q in run.questions)


# --- the grid ---------------------------------------------------------------------------


def test_the_grid_stores_every_question_of_a_phase_at_once(app, teacher):
    run_id, ids = start(teacher)
    fields = grid_fields(
        teacher,
        run_id,
        "post",
        **{str(ids["weekend"]): [10, 8, 6, 3], str(ids["home-post"]): [2, 3, 5, 6, 4]},
    )
    fields["slips"] = "20"
    response = teacher.client.post(grid_url(run_id, "post"), data=fields)
    assert response.status_code == 303
    assert response.location.endswith(grid_url(run_id, "post"))
    assert figures(app, ids["weekend"]) == ([10, 8, 6, 3], "hand", "closed")
    assert figures(app, ids["home-post"]) == ([2, 3, 5, 6, 4], "hand", "closed")
    assert stored(app, ids["weekend"]) == 20 and stored(app, ids["home-post"]) == 20
    with app.app_context():
        assert db.session.get(Run, run_id).counted_by_hand
    after = teacher.client.get(grid_url(run_id, "post")).text
    assert "20 antwoorden opgeslagen." in after
    assert f'name="q{ids["weekend"]}_0"' not in after  # a counted row has no boxes left


def test_the_grid_stores_what_the_tally_of_one_question_stores(app, teacher):
    grid_run, grid_ids = start(teacher)
    fields = grid_fields(
        teacher,
        grid_run,
        "pre",
        **{str(grid_ids["home-pre"]): [1, 2, 3, 4, 5], str(grid_ids["colour"]): [4, 6, 5]},
    )
    fields["slips"] = "15"
    assert teacher.client.post(grid_url(grid_run, "pre"), data=fields).status_code == 303

    one_run, one_ids = start(teacher)
    for key, counts in (("home-pre", [1, 2, 3, 4, 5]), ("colour", [4, 6, 5])):
        url = f"/runs/{one_run}/questions/{one_ids[key]}/tally"
        data = {"slips": "15", **{f"count_{i}": str(c) for i, c in enumerate(counts)}}
        assert teacher.client.post(url, data=data).status_code == 303
    for key in ("home-pre", "colour"):
        assert figures(app, grid_ids[key]) == figures(app, one_ids[key])


def test_a_row_left_blank_is_counted_later(app, teacher):
    run_id, ids = start(teacher)
    fields = grid_fields(teacher, run_id, "pre", **{str(ids["colour"]): [4, 6, 5]})
    fields["slips"] = "15"
    assert teacher.client.post(grid_url(run_id, "pre"), data=fields).status_code == 303
    assert stored(app, ids["home-pre"]) == 0 and stored(app, ids["colour"]) == 15
    fields = grid_fields(teacher, run_id, "pre", **{str(ids["home-pre"]): [3, 3, 3, 3, 3]})
    assert f"q{ids['colour']}_0" not in fields
    fields["slips"] = "15"
    assert teacher.client.post(grid_url(run_id, "pre"), data=fields).status_code == 303
    assert stored(app, ids["home-pre"]) == 15 and stored(app, ids["colour"]) == 15


@pytest.mark.parametrize(
    ("slips", "colour", "home", "field", "message"),
    [
        ("15", ["4", "-6", "5"], ["1", "2", "3", "4", "5"], "colour_1", "Typ een heel getal"),
        ("15", ["4", "zes", "5"], ["1", "2", "3", "4", "5"], "colour_1", "Typ een heel getal"),
        ("15", ["4", "", "5"], ["1", "2", "3", "4", "5"], "colour_1", "ook 0"),
        ("15", ["4", "6", "9"], ["1", "2", "3", "4", "5"], "row-colour", "meer antwoorden dan"),
        ("28", ["4", "6", "5"], ["1", "2", "3", "4", "5"], "slips", "van 1 tot 27"),
        ("x", ["4", "6", "5"], ["1", "2", "3", "4", "5"], "slips", "Typ een heel getal"),
        ("15", ["", "", ""], ["", "", "", "", ""], None, "Er is niets om op te slaan"),
    ],
)
def test_a_bad_grid_is_refused_whole_and_stores_nothing(
    app, teacher, slips, colour, home, field, message
):
    run_id, ids = start(teacher)  # 25 students: at most 27 slips
    fields = grid_fields(
        teacher, run_id, "pre", **{str(ids["colour"]): colour, str(ids["home-pre"]): home}
    )
    fields["slips"] = slips
    response = teacher.client.post(grid_url(run_id, "pre"), data=fields)
    assert response.status_code == 400
    assert nothing_stored(app, run_id)  # the good row was not stored either
    page = response.text
    assert "Er is niets opgeslagen." in page  # the summary at the top
    assert 'class="error-summary"' in page and message in page
    if field == "slips":
        assert 'id="slips" inputmode="numeric"' in page or 'aria-invalid="true"' in page
        assert 'href="#slips"' in page
    elif field and field.startswith("row-"):
        assert f'id="row-{ids["colour"]}-error"' in page
        assert f'href="#q{ids["colour"]}_0"' in page
    elif field:
        name = f"q{ids['colour']}_1"
        assert f'id="{name}-error"' in page and f'href="#{name}"' in page
        assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{name}"', page) or re.search(
            rf'<input[^>]*id="{name}"[^>]*aria-invalid="true"', page
        )
    with app.app_context():
        assert all(q.status == "ready" for q in db.session.get(Run, run_id).questions)


def test_the_grid_lists_what_it_cannot_count_and_why(app, teacher):
    run_id, ids = start(teacher, language="en")
    teacher.client.post("/language", data={"language": "en"})
    teacher.act(run_id, ids["haters"], "skip")
    page = teacher.client.get(grid_url(run_id, "post")).text
    assert "Open answers are typed one per line" in page
    assert "A ranking gives every item a place" in page
    assert "Skipped in this lesson." in page
    assert f'href="/runs/{run_id}/questions/{ids["word"]}/tally?by=hand"' in page
    for key in ("word", "priorities", "haters"):
        assert f'name="q{ids[key]}_0"' not in page


def test_the_grid_and_its_sheet_need_the_lessons_own_teacher(app, teacher, make_user, make_class):
    run_id, ids = start(teacher)
    other = Staff(app.test_client(), make_user("teacher"))
    other.class_id = make_class(other.user["school_id"], [other.user["id"]])
    other.login()
    fields = grid_fields(teacher, run_id, "pre", **{str(ids["colour"]): [4, 6, 5]})
    fields["slips"] = "15"
    assert other.client.get(grid_url(run_id, "pre")).status_code == 404
    assert other.client.get(f"/runs/{run_id}/phases/pre/tally-sheet").status_code == 404
    assert other.client.post(grid_url(run_id, "pre"), data=fields).status_code == 404
    anonymous = app.test_client().post(grid_url(run_id, "pre"), data=fields)
    assert anonymous.status_code in (302, 403)
    assert nothing_stored(app, run_id)
    assert teacher.client.get(grid_url(run_id, "nowhere")).status_code == 404


def test_the_grid_needs_its_csrf_token(app, teacher):
    run_id, ids = start(teacher)
    fields = grid_fields(teacher, run_id, "pre", **{str(ids["colour"]): [4, 6, 5]})
    fields["slips"] = "15"
    app.config["WTF_CSRF_ENABLED"] = True
    fields.pop("csrf_token", None)
    assert teacher.client.post(grid_url(run_id, "pre"), data=fields).status_code == 400
    assert nothing_stored(app, run_id)


def test_a_lesson_with_phones_has_no_grid(app, teacher):
    run_id, _ids = start(teacher, mode="devices")
    assert teacher.client.get(grid_url(run_id, "pre")).status_code == 409
    assert "/phases/pre/tally" not in teacher.client.get(f"/runs/{run_id}").text


def test_the_sheet_mirrors_the_grid(app, teacher):
    run_id, _ids = start(teacher)
    grid = teacher.client.get(grid_url(run_id, "post")).text
    sheet = teacher.client.get(f"/runs/{run_id}/phases/post/tally-sheet").text

    def rows(page):
        number = r'<th scope="row" class="grid-number">(\d+)</th>\s*'
        wording = r'<td class="grid-question">\s*<span class="grid-wording">([^<]+)<'
        return re.findall(number + wording, page)

    def marks(page, row_class):
        return re.findall(rf'<{row_class}[^>]*>(?:<span aria-hidden="true">)?([A-Z0-9])<', page)

    assert rows(grid) == rows(sheet) and len(rows(grid)) == 5
    assert marks(grid, "label") == marks(sheet, 'span class="sheet-mark"')
    assert marks(sheet, 'span class="sheet-mark"')[:4] == ["A", "B", "C", "D"]
    assert "css/pack.css" in sheet and "Turfblad" in sheet


# --- letters and hands up ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "letters"), [("paper", True), ("hands", True), ("devices", False)]
)
def test_the_projector_letters_the_options_without_phones(app, teacher, mode, letters):
    run_id, ids = start(teacher, mode=mode)
    teacher.act(run_id, ids["colour"], "open")
    projector = teacher.client.get(f"/runs/{run_id}/present").text
    lettered = re.search(r'<li><span class="option-letter">A</span> Rood</li>', projector)
    assert bool(lettered) is letters
    if mode != "devices":
        assert '<span class="option-letter">C</span> Blauw' in projector


def test_hands_counted_on_the_compact_screen(app, teacher):
    run_id, ids = start(teacher, mode="hands", language="en")
    teacher.client.post("/language", data={"language": "en"})
    teacher.act(run_id, ids["colour"], "open")
    companion = teacher.client.get(f"/runs/{run_id}/companion").text
    action = f"/runs/{run_id}/questions/{ids['colour']}/tally?by=hands&amp;from=companion"
    assert f'action="{action}"' in companion and "js/tally.js" in companion
    assert companion.count("data-tally-step=") == 6  # +1 and -1 for A, B, C
    fields = rendered_form(companion, action.replace("&amp;", "&"))
    assert fields["slips"] == "25" and fields["count_0"] == "0"
    fields.update(count_0="7", count_1="9", count_2="6", slips="24")
    response = teacher.client.post(action.replace("&amp;", "&"), data=fields)
    assert response.status_code == 303 and response.location.endswith(f"/runs/{run_id}/companion")
    # Still the question on the wall: the teacher shows its results next.
    assert figures(app, ids["colour"]) == ([7, 9, 6], "hands", "open")
    again = teacher.client.get(f"/runs/{run_id}/companion").text
    assert "22 raised hands stored, marked as hands up." in again
    assert "data-hands-count" not in again  # counted: no second count beside it


def test_a_personal_question_is_not_counted_by_hands(app, teacher):
    run_id, ids = start(teacher, mode="hands")
    with app.app_context():
        db.session.get(Question, ids["home-pre"]).sensitive = True
        db.session.commit()
    teacher.act(run_id, ids["home-pre"], "open")
    companion = teacher.client.get(f"/runs/{run_id}/companion").text
    assert "data-hands-count" not in companion
    assert f'/questions/{ids["home-pre"]}/tally?by=hand"' in companion
    fields = grid_fields(
        teacher,
        run_id,
        "pre",
        **{str(ids["home-pre"]): [1, 2, 3, 4, 5], str(ids["colour"]): [5, 5, 5]},
    )
    fields["slips"] = "20"
    assert teacher.client.post(grid_url(run_id, "pre"), data=fields).status_code == 303
    assert figures(app, ids["home-pre"])[1] == "hand"
    assert figures(app, ids["colour"])[1] == "hands"


# --- words that follow the way of answering --------------------------------------------

WORDS = {
    ("paper", "nl"): ("Tel de briefjes", "Voer de telling van de briefjes in", "Aantal briefjes"),
    ("paper", "en"): ("Count the slips", "Type in the counts of the slips", "Number of slips"),
    ("hands", "nl"): (
        "Tel de opgestoken handen",
        "Voer de opgestoken handen in (niet anoniem)",
        "Aanwezige leerlingen",
    ),
    ("hands", "en"): (
        "Count the raised hands",
        "Type in the raised hands (not anonymous)",
        "Students present",
    ),
}
OTHER_WAY = {"paper": "hands", "hands": "paper"}


def question_row(page, question_id):
    """One question's row of the teacher screen."""
    start = page.index(f'id="question-{question_id}"')
    return page[start : page.index("</li>", page.index('class="actions"', start))]


@pytest.mark.parametrize(("mode", "language"), list(WORDS))
def test_every_count_screen_speaks_of_its_way_of_answering(app, teacher, mode, language):
    teacher.client.post("/language", data={"language": language})
    run_id, ids = start(teacher, mode=mode, language=language)
    heading, link, total = WORDS[(mode, language)]
    other_heading, other_link, other_total = WORDS[(OTHER_WAY[mode], language)]
    by = "hands" if mode == "hands" else "hand"
    screens = {
        "detail": teacher.client.get(f"/runs/{run_id}").text,
        "question": teacher.client.get(
            f"/runs/{run_id}/questions/{ids['colour']}/tally?by={by}"
        ).text,
        "grid": teacher.client.get(grid_url(run_id, "pre")).text,
        "sheet": teacher.client.get(f"/runs/{run_id}/phases/pre/tally-sheet").text,
    }
    row = question_row(screens["detail"], ids["colour"])
    assert link in row and other_link not in row
    # An open answer goes on a slip in every way of answering.
    assert WORDS[("paper", language)][1] in question_row(screens["detail"], ids["word"])
    for name in ("question", "grid"):
        assert f"<h1>{heading}" in screens[name], name
        assert other_heading not in screens[name] and other_link not in screens[name], name
    assert total in screens["grid"] and other_total not in screens["grid"]
    assert f"{total}:" in screens["sheet"] and f"{other_total}:" not in screens["sheet"]
    if mode == "paper":
        assert "briefje" in screens["detail"] or "slip" in screens["detail"]
    else:
        teacher.act(run_id, ids["colour"], "open")
        companion = teacher.client.get(f"/runs/{run_id}/companion").text
        assert heading in companion and other_heading not in companion
