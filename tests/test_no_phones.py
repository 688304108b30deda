"""Lessons without a phone each: answer modes, the booth on a shared device, tallies by hand."""

import csv
import io
import re

import pytest
from conftest import REAL_LESSONS_DIR, Staff, run_info
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classroom.coordination.models import SchoolClass
from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, Response, Run


def start(teacher, mode="paper", language="nl", class_size=30, module="sample"):
    data = {
        "module": module,
        "school_class": teacher.class_id,
        "language": language,
        "answer_mode": mode,
        "class_size": class_size,
    }
    response = teacher.client.post("/runs/", data=data)
    assert response.status_code == 303, response.text
    return int(response.location.split("/runs/")[1].split("/")[0])


def question_ids(app, run_id):
    return dict(zip(KEYS, run_info(app, run_id)[1], strict=True))


KEYS = ("home-pre", "colour", "weekend", "word", "home-post", "priorities", "haters")


def tally(teacher, run_id, question_id, by="hand", **fields):
    url = f"/runs/{run_id}/questions/{question_id}/tally"
    if by == "hands":
        url += "?by=hands"
    return teacher.client.post(url, data={k: str(v) for k, v in fields.items()})


def counts_fields(counts):
    return {f"count_{i}": count for i, count in enumerate(counts)}


def stored(app, question_id):
    with app.app_context():
        return answers.count_answers(db.session.get(Question, question_id))


def released(app, question_id, language="en"):
    with app.app_context():
        return answers.results(db.session.get(Question, question_id), language)


# --- how the class answers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "language", "expected"),
    [
        ("paper", "en", "Fill in your slip, fold it, put it in the box."),
        ("paper", "nl", "Vul je briefje in, vouw het dubbel en stop het in de doos."),
        ("booth", "en", "The booth is in the corner."),
        ("booth", "nl", "Het stemhokje staat in de hoek."),
        ("hands", "en", "Hands up is not anonymous."),
        ("hands", "nl", "Handen opsteken is niet anoniem."),
    ],
)
def test_the_projector_shows_how_the_class_answers(app, teacher, mode, language, expected):
    teacher.client.post("/language", data={"language": language})
    run_id = start(teacher, mode, language)
    page = teacher.client.get(f"/runs/{run_id}/present").text
    assert expected in page
    code = run_info(app, run_id)[0]
    assert code not in page.split('class="join-box"')[1].split("</section>")[0]


def test_a_class_with_phones_still_sees_the_join_code(app, teacher):
    run_id = start(teacher, "devices")
    code = run_info(app, run_id)[0]
    assert code in teacher.client.get(f"/runs/{run_id}/present").text
    assert "/tally" not in teacher.client.get(f"/runs/{run_id}").text


def test_the_teacher_changes_how_the_class_answers(app, teacher):
    run_id = start(teacher, "devices")
    assert (
        teacher.client.post(
            f"/runs/{run_id}/answer-mode", data={"answer_mode": "booth"}
        ).status_code
        == 303
    )
    assert "Het stemhokje staat in de hoek." in teacher.client.get(f"/runs/{run_id}/present").text
    refused = teacher.client.post(f"/runs/{run_id}/answer-mode", data={"answer_mode": "pigeons"})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(Run, run_id).answer_mode == "booth"


def test_the_start_form_offers_every_way_of_answering(teacher):
    page = teacher.client.get("/lessons/sample").text
    for value in ("devices", "booth", "paper", "hands"):
        assert f'value="{value}"' in page
    assert 'href="/lessons/sample/pack/nl"' in page  # the paper answer slips


def test_a_paper_lesson_links_to_the_answer_slips(app, teacher):
    run_id = start(teacher, "paper", language="en")
    page = teacher.client.get(f"/runs/{run_id}").text
    # The slips of the module as the lesson started with it (tests/test_module_versions.py).
    assert f'href="/runs/{run_id}/pack/en"' in page
    assert teacher.client.get(f"/runs/{run_id}/pack/en").status_code == 200


# --- tallies: exact results ------------------------------------------------------------


def test_a_paper_tally_gives_exact_results_marked_counted_by_hand(app, teacher):
    run_id = start(teacher)
    ids = question_ids(app, run_id)
    page = teacher.client.get(f"/runs/{run_id}/questions/{ids['colour']}/tally").text
    for label in ("Rood", "Groen", "Blauw"):
        assert label in page
    response = tally(teacher, run_id, ids["colour"], slips=7, **counts_fields([1, 4, 2]))
    assert response.status_code == 303, response.text
    assert stored(app, ids["colour"]) == 7
    teacher.act(run_id, ids["colour"], "release")
    result = released(app, ids["colour"])
    assert [o.count for o in result.options] == [1, 4, 2]
    assert result.total == 7
    assert result.correct_percent == 57
    detail = teacher.client.get(f"/runs/{run_id}").text
    assert "counted by hand" in detail or "met de hand geteld" in detail
    summary = teacher.client.get(f"/runs/{run_id}/summary").text
    assert "met de hand geteld" in summary
    text = teacher.client.get(f"/runs/{run_id}/summary.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][-2] == "geteld door"
    colour_rows = [row for row in rows if row[0] == "colour"]
    assert [row[3] for row in colour_rows] == ["1", "4", "2"]
    assert all(row[-2] == "met de hand geteld" for row in colour_rows)
    assert all(row[-2] == "" for row in rows[1:] if row[0] == "weekend")


def test_every_slip_is_one_answer_with_its_own_pseudonym(app, teacher):
    run_id = start(teacher)
    ids = question_ids(app, run_id)
    tally(teacher, run_id, ids["colour"], slips=6, **counts_fields([2, 2, 2]))
    with app.app_context():
        pseudonyms = db.session.scalars(
            db.select(Response.pseudonym).where(Response.question_id == ids["colour"])
        ).all()
    assert len(set(pseudonyms)) == 6


def test_scale_tallies_give_the_pre_post_comparison_and_prompts(app, teacher):
    run_id = start(teacher, language="en")
    ids = question_ids(app, run_id)
    assert (
        tally(
            teacher, run_id, ids["home-pre"], slips=10, **counts_fields([4, 2, 2, 1, 1])
        ).status_code
        == 303
    )
    assert (
        tally(
            teacher, run_id, ids["home-post"], slips=10, **counts_fields([1, 1, 2, 2, 4])
        ).status_code
        == 303
    )
    for key in ("home-pre", "home-post"):
        assert teacher.act(run_id, ids[key], "reveal").status_code == 303
    before, after = released(app, ids["home-pre"]), released(app, ids["home-post"])
    assert before.mean == pytest.approx(2.3)
    assert after.mean == pytest.approx(3.7)
    with app.app_context():
        pre = db.session.get(Question, ids["home-pre"])
        comparison = answers.compare(pre, before, after)
    assert comparison.mean_change == pytest.approx(1.4)
    assert comparison.poles_before == (5, 5) and comparison.poles_after == (5, 5)
    page = teacher.client.get(f"/runs/{run_id}").text
    assert "Ask both sides." in page  # the discussion prompt of the question on the projector
    assert "+1,4" in page  # Dutch numbers, as the teacher reads them


def test_a_multiple_choice_tally_keeps_every_count(app, teacher):
    run_id = start(teacher)
    ids = question_ids(app, run_id)
    response = tally(teacher, run_id, ids["weekend"], slips=6, **counts_fields([5, 3, 0, 6]))
    assert response.status_code == 303
    teacher.act(run_id, ids["weekend"], "release")
    result = released(app, ids["weekend"])
    assert result.total == 6
    assert [o.count for o in result.options] == [5, 3, 0, 6]


def test_a_ranking_tally_gives_the_average_places(app, teacher):
    run_id = start(teacher)
    ids = question_ids(app, run_id)
    places = [[3, 2, 1], [2, 2, 2], [1, 2, 3]]  # Friendship, Honesty, Fun per place
    fields = {f"place_{o}_{p}": places[o][p] for o in range(3) for p in range(3)}
    assert tally(teacher, run_id, ids["priorities"], slips=6, **fields).status_code == 303
    teacher.act(run_id, ids["priorities"], "release")
    result = released(app, ids["priorities"])
    assert dict(result.ranks) == pytest.approx(
        {"Friendship": 10 / 6, "Honesty": 2.0, "Fun": 14 / 6}
    )
    assert [o.count for o in result.options] == [3, 2, 1]  # first places


def test_an_estimate_tally_takes_the_numbers(app, teacher):
    run_id = start(teacher)
    ids = question_ids(app, run_id)
    response = tally(teacher, run_id, ids["haters"], slips=7, numbers_text="3 10, 25\n40 5 7 80")
    assert response.status_code == 303
    teacher.act(run_id, ids["haters"], "release")
    assert released(app, ids["haters"]).median == 10
    assert stored(app, ids["haters"]) == 7


def test_open_answers_from_slips_go_through_moderation(app, teacher):
    run_id = start(teacher)
    ids = question_ids(app, run_id)
    lines = "\n".join(["samen", "luisteren", "respect", "<b>gezellig</b>", "rustig"])
    assert tally(teacher, run_id, ids["word"], slips=6, texts_text=lines).status_code == 303
    with app.app_context():
        queue = answers.moderation_queue(db.session.get(Question, ids["word"]))
    assert sorted(a.text for a in queue.answers) == sorted(lines.splitlines())
    assert {a.moderation for a in queue.answers} == {"pending"}
    page = teacher.client.get(f"/runs/{run_id}").text
    assert "&lt;b&gt;gezellig&lt;/b&gt;" in page
    teacher.act(run_id, ids["word"], "reveal")
    assert released(app, ids["word"]).texts == ()  # nothing approved yet


def test_k_counts_slips(app, teacher):
    run_id = start(teacher)
    ids = question_ids(app, run_id)
    assert (
        tally(teacher, run_id, ids["colour"], slips=4, **counts_fields([1, 2, 1])).status_code
        == 303
    )
    teacher.act(run_id, ids["colour"], "release")
    assert released(app, ids["colour"]) is None


# --- bad tallies store nothing ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"slips": 6, "count_0": -1, "count_1": 4, "count_2": 1},
            "Typ een heel getal van 0 of meer.",
        ),
        (
            {"slips": 6, "count_0": "veel", "count_1": 4, "count_2": 1},
            "Typ een heel getal van 0 of meer.",
        ),
        (
            {"slips": 6, "count_0": 1.5, "count_1": 4, "count_2": 1},
            "Typ een heel getal van 0 of meer.",
        ),
        ({"slips": 6, "count_0": 3, "count_1": 4, "count_2": 1}, "meer antwoorden dan briefjes"),
        ({"slips": 33, "count_0": 3, "count_1": 4, "count_2": 1}, "van 1 tot 32"),
        ({"slips": 0, "count_0": 0, "count_1": 0, "count_2": 0}, "van 1 tot 32"),
        ({"slips": 6, "count_0": 3, "count_1": 2}, "Typ een heel getal van 0 of meer."),
    ],
)
def test_a_bad_tally_gets_a_clear_error_and_stores_nothing(app, teacher, fields, message):
    with app.app_context():
        db.session.get(SchoolClass, teacher.class_id).size = 30
        db.session.commit()
    run_id = start(teacher)
    ids = question_ids(app, run_id)
    response = tally(teacher, run_id, ids["colour"], **fields)
    assert response.status_code == 400
    assert message in response.text
    assert "Er is niets opgeslagen." in response.text
    assert stored(app, ids["colour"]) == 0
    with app.app_context():
        question = db.session.get(Question, ids["colour"])
        assert question.counted_by is None and not question.run.counted_by_hand


@pytest.mark.parametrize(
    ("key", "fields"),
    [
        ("weekend", {"slips": 3, "count_0": 4, "count_1": 0, "count_2": 0, "count_3": 0}),
        ("weekend", {"slips": 5, "count_0": 1, "count_1": 1, "count_2": 0, "count_3": 0}),
        (
            "priorities",
            {f"place_{o}_{p}": 1 + (o == p) for o in range(3) for p in range(3)} | {"slips": 3},
        ),
        ("haters", {"slips": 2, "numbers_text": "1 2 3"}),
        ("haters", {"slips": 3, "numbers_text": "1 200"}),
        ("haters", {"slips": 3, "numbers_text": "1 twee"}),
        ("word", {"slips": 1, "texts_text": "een\ntwee"}),
    ],
)
def test_bad_tallies_of_every_kind_store_nothing(app, teacher, key, fields):
    run_id = start(teacher)
    ids = question_ids(app, run_id)
    response = tally(teacher, run_id, ids[key], **fields)
    assert response.status_code == 400
    assert "Er is niets opgeslagen." in response.text
    assert stored(app, ids[key]) == 0


def test_counts_are_typed_in_only_once(app, teacher):
    run_id = start(teacher)
    ids = question_ids(app, run_id)
    tally(teacher, run_id, ids["colour"], slips=6, **counts_fields([1, 4, 1]))
    again = tally(teacher, run_id, ids["colour"], slips=6, **counts_fields([1, 4, 1]))
    assert again.status_code == 409
    assert stored(app, ids["colour"]) == 6


def test_the_tally_screen_is_in_english_too(app, teacher):
    teacher.client.post("/language", data={"language": "en"})
    run_id = start(teacher, language="en")
    ids = question_ids(app, run_id)
    page = teacher.client.get(f"/runs/{run_id}/questions/{ids['priorities']}/tally").text
    assert "Count the slips" in page and "Place 3" in page
    response = tally(teacher, run_id, ids["colour"], slips=2, **counts_fields([1, 1, 1]))
    assert "There are more answers than slips." in response.text


tally_fields = st.sampled_from(
    ["slips", "count_0", "count_1", "count_2", "count_3", "count_4", "place_0_0", "place_1_2",
     "numbers_text", "texts_text", "x"]
)  # fmt: skip
tally_values = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(2**40), max_value=2**40).map(str),
    st.sampled_from(["", "0", "1", "-1", "6", "60", "61", "1e3", "NaN", "\x00", "1\x002", "🙂"]),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.dictionaries(tally_fields, tally_values, max_size=8),
    key=st.sampled_from(KEYS),
    by=st.sampled_from(["hand", "hands", "x"]),
)
def test_any_tally_form_data_is_stored_whole_or_not_at_all(app, teacher, data, key, by):
    with app.app_context():
        started = db.session.scalar(db.select(Run.id))
    run_id = started or start(teacher)
    ids = question_ids(app, run_id)
    before = stored(app, ids[key])
    response = tally(teacher, run_id, ids[key], by=by, **data)
    assert response.status_code in (303, 400, 409)
    if response.status_code != 303:
        assert stored(app, ids[key]) == before


# --- hands up ---------------------------------------------------------------------------


def test_hands_up_says_it_is_not_anonymous(app, teacher):
    run_id = start(teacher, "hands")
    ids = question_ids(app, run_id)
    page = teacher.client.get(f"/runs/{run_id}/questions/{ids['colour']}/tally?by=hands").text
    assert "Handen opsteken is niet anoniem." in page
    tally(teacher, run_id, ids["colour"], by="hands", slips=6, **counts_fields([1, 4, 1]))
    teacher.act(run_id, ids["colour"], "reveal")
    assert "niet anoniem" in teacher.client.get(f"/runs/{run_id}/present").text
    with app.app_context():
        assert db.session.get(Question, ids["colour"]).counted_by == "hands"


def test_hands_up_is_refused_on_sensitive_polls_and_open_answers(app, teacher):
    run_id = start(teacher, "hands")
    ids = question_ids(app, run_id)
    with app.app_context():
        db.session.get(Question, ids["home-pre"]).sensitive = True
        db.session.commit()
    detail = teacher.client.get(f"/runs/{run_id}").text
    assert f"/questions/{ids['home-pre']}/tally?by=hands" not in detail
    assert f"/questions/{ids['colour']}/tally?by=hands" in detail
    for key in ("home-pre", "word"):
        assert (
            teacher.client.get(f"/runs/{run_id}/questions/{ids[key]}/tally?by=hands").status_code
            == 409
        )
    fields = {"slips": 6, **counts_fields([1, 1, 1, 1, 2])}
    refused = tally(teacher, run_id, ids["home-pre"], by="hands", **fields)
    assert refused.status_code == 409
    assert stored(app, ids["home-pre"]) == 0
    teacher.act(run_id, ids["home-pre"], "open")
    projector = teacher.client.get(f"/runs/{run_id}/present").text
    assert "Niet met handen opsteken: schrijf je antwoord op een briefje" in projector
    # Paper slips are anonymous, so the sensitive poll can be counted from them.
    assert tally(teacher, run_id, ids["home-pre"], **fields).status_code == 303


def test_hands_up_never_enters_school_results_and_paper_is_marked(
    app, teacher, make_user, make_class
):
    school_id = teacher.user["school_id"]
    other = make_class(school_id, [teacher.user["id"]], name="3 HAVO C")
    for class_id in (teacher.class_id, other):
        teacher.class_id = class_id
        run_id = start(teacher)
        ids = question_ids(app, run_id)
        assert (
            tally(teacher, run_id, ids["colour"], slips=6, **counts_fields([1, 4, 1])).status_code
            == 303
        )
        assert (
            tally(
                teacher, run_id, ids["weekend"], by="hands", slips=6, **counts_fields([6, 1, 1, 1])
            ).status_code
            == 303
        )
        for key in ("colour", "weekend"):
            teacher.act(run_id, ids[key], "release")
        teacher.client.post(f"/runs/{run_id}/end")
    coordinator = Staff(app.test_client(), make_user("coordinator", school_id=school_id))
    coordinator.login()
    rows = list(
        csv.DictReader(
            io.StringIO(coordinator.client.get("/school/results/sample.csv").text.lstrip("\ufeff")),
            delimiter=";",
        )
    )
    colour = [row for row in rows if row["vraag"] == "colour"]
    assert {row["antwoorden"] for row in colour} == {"12"}
    assert {row["lessen met de hand geteld"] for row in colour} == {"2"}
    assert not [row for row in rows if row["vraag"] == "weekend"]
    overview = list(
        csv.DictReader(
            io.StringIO(coordinator.client.get("/school/overview.csv").text.lstrip("\ufeff")),
            delimiter=";",
        )
    )
    hand = {row["lessen met de hand geteld"] for row in overview if row["module"] == "sample"}
    assert hand == {"1"}


# --- the booth --------------------------------------------------------------------------


def test_the_booth_takes_one_answer_per_student_and_shows_nothing_back(app, teacher, make_user):
    run_id = start(teacher, "booth")
    ids = question_ids(app, run_id)
    tablet = Staff(app.test_client(), teacher.user)
    tablet.login()
    assert "Maak dit apparaat het stemhokje" in tablet.client.get(f"/runs/{run_id}/booth").text
    opened = tablet.client.post(f"/runs/{run_id}/booth")
    assert opened.status_code == 303 and opened.location.endswith("/booth/")
    # The teacher's login is gone on the tablet; the teacher's own computer keeps it.
    assert tablet.client.get(f"/runs/{run_id}").status_code == 302
    assert tablet.client.get("/runs/").status_code == 302
    assert teacher.client.get(f"/runs/{run_id}").status_code == 200
    waiting = tablet.client.get("/booth/")
    assert "Het stemhokje staat klaar" in waiting.text
    teacher.act(run_id, ids["colour"], "open")
    for number in range(12):
        page = tablet.client.get("/booth/")
        assert page.headers["Cache-Control"] == "no-store"
        assert "checked" not in page.text
        done = tablet.client.post(
            f"/booth/questions/{ids['colour']}", data={"answer": str(number % 3)}
        )
        assert done.status_code == 303
    after = tablet.client.get("/booth/")
    assert "checked" not in after.text
    with app.app_context():
        pseudonyms = db.session.scalars(
            db.select(Response.pseudonym).where(Response.question_id == ids["colour"])
        ).all()
    assert len(pseudonyms) == 12 and len(set(pseudonyms)) == 12
    teacher.act(run_id, ids["colour"], "reveal")
    assert [o.count for o in released(app, ids["colour"]).options] == [4, 4, 4]
    # The booth never shows results, not even once they are released.
    booth_page = tablet.client.get("/booth/").text
    assert "33%" not in booth_page and "Rood" not in booth_page
    # An open text on the booth: the form is empty after every answer.
    teacher.act(run_id, ids["word"], "open")
    tablet.client.post(f"/booth/questions/{ids['word']}", data={"answer": "geheimpje"})
    text_page = tablet.client.get("/booth/").text
    assert "geheimpje" not in text_page
    # The browser may not offer one student's words to the next one.
    assert re.search(r'<textarea[^>]*autocomplete="off"', text_page)
    # The teacher ends the round: the tablet takes nothing more.
    assert teacher.client.post(f"/runs/{run_id}/booth/end").status_code == 303
    closed = tablet.client.get("/booth/")
    assert closed.status_code == 410
    refused = tablet.client.post(f"/booth/questions/{ids['word']}", data={"answer": "nog een"})
    assert refused.status_code == 410
    assert stored(app, ids["word"]) == 1


def test_a_bad_booth_answer_stores_nothing(app, teacher):
    run_id = start(teacher, "booth")
    ids = question_ids(app, run_id)
    tablet = Staff(app.test_client(), teacher.user)
    tablet.login()
    tablet.client.post(f"/runs/{run_id}/booth")
    teacher.act(run_id, ids["colour"], "open")
    assert (
        tablet.client.post(f"/booth/questions/{ids['colour']}", data={"answer": "9"}).status_code
        == 400
    )
    closed_question = tablet.client.post(f"/booth/questions/{ids['weekend']}", data={"answer": "1"})
    assert closed_question.status_code == 303
    assert stored(app, ids["colour"]) == 0 and stored(app, ids["weekend"]) == 0


def test_without_a_booth_session_the_booth_is_closed(app, teacher, student):
    run_id = start(teacher, "booth")
    code = run_info(app, run_id)[0]
    phone = student()
    phone.join(code)
    for client in (teacher.client, phone.client, app.test_client()):
        assert client.get("/booth/").status_code == 410
    # A new booth makes an older one worthless.
    first = Staff(app.test_client(), teacher.user)
    first.login()
    first.client.post(f"/runs/{run_id}/booth")
    second = Staff(app.test_client(), teacher.user)
    second.login()
    second.client.post(f"/runs/{run_id}/booth")
    assert first.client.get("/booth/").status_code == 410
    assert second.client.get("/booth/").status_code == 200


# --- Jihad, pre and post, without a single phone ----------------------------------------


def paper_tally(question, slips=10):
    """Slips for any kind of question, as a class of ten might fill them in."""
    if question.type == "scale":
        return counts_fields([1, 2, 3, 2, 2])
    if question.type in ("single", "multiple"):
        size = question.option_count
        return counts_fields([slips] + [1] * (size - 1))
    if question.type == "ranking":
        size = question.option_count
        return {f"place_{o}_{p}": slips if o == p else 0 for o in range(size) for p in range(size)}
    if question.type == "estimate":
        return {"numbers_text": " ".join([str(question.text("nl")["range"][0])] * slips)}
    return {"texts_text": "\n".join(f"antwoord {n}" for n in range(slips))}


def booth_answer(question, number):
    if question.type == "scale":
        return {"answer": str(1 + number % 5)}
    if question.type in ("single", "multiple"):
        return {"answer": str(number % question.option_count)}
    return {"answer": f"antwoord {number}"}


@pytest.mark.parametrize("lessons_dir", [REAL_LESSONS_DIR])
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("mode", ["paper", "booth"])
def test_jihad_from_start_to_summary_without_phones(app, teacher, lessons_dir, language, mode):
    teacher.client.post("/language", data={"language": language})
    run_id = start(teacher, mode, language, module="jihad")
    tablet = Staff(app.test_client(), teacher.user)
    if mode == "booth":
        tablet.login()
        assert tablet.client.post(f"/runs/{run_id}/booth").status_code == 303
    with app.app_context():
        questions = list(db.session.get(Run, run_id).questions)
        kinds = {q.id: (q.type, q.option_count) for q in questions}
    for question in questions:
        if mode == "paper":
            with app.app_context():
                question = db.session.get(Question, question.id)
                fields = {"slips": 10, **paper_tally(question)}
            response = tally(teacher, run_id, question.id, **fields)
            assert response.status_code == 303, response.text
        else:
            teacher.act(run_id, question.id, "open")
            with app.app_context():
                question = db.session.get(Question, question.id)
                answers_ = [booth_answer(question, n) for n in range(10)]
            for data in answers_:
                done = tablet.client.post(f"/booth/questions/{question.id}", data=data)
                assert done.status_code == 303
                assert "checked" not in tablet.client.get("/booth/").text
            teacher.act(run_id, question.id, "close")
        assert teacher.act(run_id, question.id, "reveal").status_code == 303
        if kinds[question.id][0] == "text":
            with app.app_context():
                queue = answers.moderation_queue(db.session.get(Question, question.id))
            for answer in queue.answers[:6]:
                url = f"/runs/{run_id}/questions/{question.id}/answers/{answer.id}/approve"
                assert teacher.client.post(url).status_code == 303
            teacher.act(run_id, question.id, "reveal")
    if mode == "booth":
        teacher.client.post(f"/runs/{run_id}/booth/end")
    assert teacher.client.post(f"/runs/{run_id}/end").status_code == 303
    summary = teacher.client.get(f"/runs/{run_id}/summary")
    assert summary.status_code == 200
    hand = "met de hand geteld" if language == "nl" else "counted by hand"
    assert (hand in summary.text) == (mode == "paper")
    with app.app_context():
        run = db.session.get(Run, run_id)
        results = answers.run_results(run, language)
        by_key = {q.key: q for q in run.questions}
        assert all(results[q.id] is not None for q in run.questions)
        pairs = [q for q in run.questions if q.compare_to]
        assert pairs
        for post in pairs:
            pre = by_key[post.compare_to]
            assert answers.compare(pre, results[pre.id], results[post.id]) is not None
        assert results[by_key["feeling"].id].texts
