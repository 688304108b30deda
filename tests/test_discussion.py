"""The guided conversation: moderation, word clouds, new question types, comparisons, support."""

import csv
import io
import re

import pytest

from classroom.accounts.models import School
from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, Response, Run

SCALE, SINGLE, MULTIPLE, TEXT, SCALE_POST, RANKING, ESTIMATE = range(7)


def phones(student, code, count):
    devices = [student() for _ in range(count)]
    for device in devices:
        assert device.join(code).status_code == 302
    return devices


def answer_all(teacher, run_id, code, question_id, devices, values):
    teacher.act(run_id, question_id, "open")
    for device, value in zip(devices, values, strict=True):
        response = device.answer(code, question_id, value)
        assert response.status_code == 303, response.text[:500]


def queue(app, question_id):
    with app.app_context():
        return answers.moderation_queue(db.session.get(Question, question_id)).answers


def released(app, teacher, run_id, question_id, language="nl"):
    """The teacher asks for results; return what the release holds."""
    teacher.act(run_id, question_id, "release")
    with app.app_context():
        return answers.results(db.session.get(Question, question_id), language)


def test_hidden_answers_appear_in_no_page_or_export(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    texts = ["samen sterk", "luisteren", "samen", "geheimzinnig-verborgen", "respect"]
    answer_all(teacher, run_id, code, questions[TEXT], devices, texts)
    entries = {entry.text: entry.id for entry in queue(app, questions[TEXT])}
    for text, entry_id in entries.items():
        decision = "hide" if text == "geheimzinnig-verborgen" else "approve"
        url = f"/runs/{run_id}/questions/{questions[TEXT]}/answers/{entry_id}/{decision}"
        assert teacher.client.post(url).status_code == 303
    teacher.act(run_id, questions[TEXT], "reveal")
    pages = [
        teacher.client.get(f"/runs/{run_id}/present").text,
        devices[0].page(code).text,
        teacher.client.get(f"/runs/{run_id}/summary").text,
        teacher.client.get(f"/runs/{run_id}/summary.csv").text,
    ]
    for page in pages:
        assert "geheimzinnig-verborgen" not in page
        assert "luisteren" in page
    # The teacher's own screen still lists it, struck through as hidden.
    assert "geheimzinnig-verborgen" in teacher.client.get(f"/runs/{run_id}").text


def test_a_changed_open_answer_waits_for_approval_again(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    answer_all(teacher, run_id, code, questions[TEXT], devices, ["a1", "b1", "c1", "d1", "e1"])
    for entry in queue(app, questions[TEXT]):
        teacher.client.post(
            f"/runs/{run_id}/questions/{questions[TEXT]}/answers/{entry.id}/approve"
        )
    old_ids = {entry.id for entry in queue(app, questions[TEXT])}
    devices[0].answer(code, questions[TEXT], "veranderd")
    states = {entry.text: entry.moderation for entry in queue(app, questions[TEXT])}
    # The new text waits for k - 1 others; until then the old one stays where it was
    # (unlinked from its writer), so nothing on the screen moves by one answer.
    assert "veranderd" not in states and states["a1"] == "approved"
    assert len(states) == 5
    for device, text in zip(devices[1:], ["b2", "c2", "d2", "e2"], strict=True):
        device.answer(code, questions[TEXT], text)
    entries = queue(app, questions[TEXT])
    states = {entry.text: entry.moderation for entry in entries}
    assert states == dict.fromkeys(["veranderd", "b2", "c2", "d2", "e2"], "pending")
    # Every changed text is a new row with a new id: old and new cannot be linked.
    assert not old_ids & {entry.id for entry in entries}


def test_moderating_an_unknown_or_foreign_answer_is_a_404(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    answer_all(teacher, run_id, code, questions[TEXT], devices, ["x"] * 5)
    entry = queue(app, questions[TEXT])[0]
    base = f"/runs/{run_id}/questions"
    assert (
        teacher.client.post(f"{base}/{questions[SINGLE]}/answers/{entry.id}/approve").status_code
        == 404
    )
    assert (
        teacher.client.post(f"{base}/{questions[TEXT]}/answers/not-a-uuid/approve").status_code
        == 404
    )
    assert (
        teacher.client.post(f"{base}/{questions[TEXT]}/answers/{entry.id}/publish").status_code
        == 404
    )
    assert all(e.moderation == "pending" for e in queue(app, questions[TEXT]))


def test_the_word_list_and_the_schools_own_words_pre_flag_answers(app, live_run, student):
    teacher, run_id, code, questions = live_run
    with app.app_context():
        db.session.get(School, teacher.user["school_id"]).flag_words = "schoolwoord\n"
        db.session.commit()
    devices = phones(student, code, 5)
    texts = ["ik maak je af", "kankerweer vandaag", "dit is een schoolwoord", "gezellig", "Fijn"]
    answer_all(teacher, run_id, code, questions[TEXT], devices, texts)
    flagged = {e.text: e.flagged for e in queue(app, questions[TEXT])}
    assert flagged == {
        "ik maak je af": False,  # no listed word: the teacher still reads everything
        "kankerweer vandaag": True,
        "dit is een schoolwoord": True,
        "gezellig": False,
        "Fijn": False,
    }
    page = teacher.client.get(f"/runs/{run_id}").text
    assert page.count("Bekijk deze goed") == 2
    teacher.act(run_id, questions[TEXT], "reveal")
    assert "kankerweer" not in teacher.client.get(f"/runs/{run_id}/present").text


def test_the_word_cloud_counts_approved_words_without_stop_words(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    texts = ["Samen en respect", "samen", "het respect", "SAMEN!", "luisteren"]
    answer_all(teacher, run_id, code, questions[TEXT], devices, texts)
    for entry in queue(app, questions[TEXT]):
        teacher.client.post(
            f"/runs/{run_id}/questions/{questions[TEXT]}/answers/{entry.id}/approve"
        )
    teacher.act(run_id, questions[TEXT], "reveal")
    with app.app_context():
        cloud = answers.word_cloud(answers.results(db.session.get(Question, questions[TEXT]), "nl"))
    assert cloud == [("luisteren", 1, 3), ("respect", 2, 4), ("samen", 3, 6)]
    teacher.act(run_id, questions[TEXT], "reveal")
    presenter = teacher.client.get(f"/runs/{run_id}/present").text
    assert '<li class="size-6">samen' in presenter


def test_ranking_answers_give_average_places(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    teacher.act(run_id, questions[RANKING], "open")
    # Options: Vriendschap, Eerlijkheid, Plezier; each student gives places.
    rankings = [(1, 2, 3), (1, 3, 2), (2, 1, 3), (1, 2, 3), (3, 1, 2)]
    for device, places in zip(devices, rankings, strict=True):
        data = {f"place_{i}": str(place) for i, place in enumerate(places)}
        response = device.client.post(f"/live/{code}/questions/{questions[RANKING]}", data=data)
        assert response.status_code == 303
    result = released(app, teacher, run_id, questions[RANKING])
    assert result.ranks == (("Vriendschap", 1.6), ("Eerlijkheid", 1.8), ("Plezier", 2.6))


def test_a_ranking_with_a_place_twice_is_refused(app, live_run, student):
    teacher, run_id, code, questions = live_run
    (device,) = phones(student, code, 1)
    teacher.act(run_id, questions[RANKING], "open")
    data = {"place_0": "1", "place_1": "1", "place_2": "3"}
    response = device.client.post(f"/live/{code}/questions/{questions[RANKING]}", data=data)
    assert response.status_code == 400
    assert "Geef elke plaats precies één keer." in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0


def test_an_estimate_shows_the_median_and_then_the_real_figure(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 6)
    answer_all(
        teacher, run_id, code, questions[ESTIMATE], devices, ["40", "10", "25", "60", "5", "30"]
    )
    result = released(app, teacher, run_id, questions[ESTIMATE])
    assert result.median == 27.5
    assert result.answer == 3
    assert [o.count for o in result.options][:7] == [1, 1, 1, 1, 1, 0, 1]
    teacher.act(run_id, questions[ESTIMATE], "reveal")
    presenter = teacher.client.get(f"/runs/{run_id}/present").text
    assert "Middelste antwoord (mediaan): 27.5%" in presenter
    assert "Het echte cijfer: 3%" in presenter


@pytest.mark.parametrize("value", ["101", "-1", "veel", ""])
def test_an_estimate_out_of_range_is_refused(app, live_run, student, value):
    teacher, run_id, code, questions = live_run
    (device,) = phones(student, code, 1)
    teacher.act(run_id, questions[ESTIMATE], "open")
    response = device.answer(code, questions[ESTIMATE], value)
    assert response.status_code == 400
    assert "Geef een heel getal van 0 tot en met 100." in response.text


def test_the_right_answer_and_its_share_appear_when_revealed(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    answer_all(teacher, run_id, code, questions[SINGLE], devices, ["1", "1", "0", "2", "1"])
    presenter = teacher.client.get(f"/runs/{run_id}/present").text
    assert "koos het goede antwoord" not in presenter
    teacher.act(run_id, questions[SINGLE], "reveal")
    presenter = teacher.client.get(f"/runs/{run_id}/present").text
    assert "60% koos het goede antwoord." in presenter
    assert "(goed)" in presenter
    assert "60% koos het goede antwoord." in devices[0].page(code).text


def test_pre_post_comparison_with_exact_figures(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    answer_all(teacher, run_id, code, questions[SCALE], devices, ["1", "2", "3", "3", "5"])
    answer_all(teacher, run_id, code, questions[SCALE_POST], devices, ["3", "3", "4", "4", "4"])
    before, after = (released(app, teacher, run_id, questions[i]) for i in (SCALE, SCALE_POST))
    with app.app_context():
        comparison = answers.compare(db.session.get(Question, questions[SCALE]), before, after)
    assert comparison.before.mean == 2.8 and comparison.after.mean == 3.6
    assert round(comparison.mean_change, 2) == 0.8
    assert comparison.shares[0] == ("1", 20, 0, -20)
    assert comparison.shares[3] == ("4", 0, 60, 60)
    assert comparison.poles_before == (2, 3)
    assert comparison.poles_after == (0, 5)
    teacher.act(run_id, questions[SCALE_POST], "reveal")
    presenter = teacher.client.get(f"/runs/{run_id}/present").text
    assert "Verandering van het gemiddelde: +0.8" in presenter
    assert "Aan de uiteinden van de schaal (1 of 5): 2 voor, 0 na." in presenter


def test_no_comparison_while_either_side_is_below_k(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    answer_all(teacher, run_id, code, questions[SCALE], devices, ["1", "2", "3", "3", "5"])
    answer_all(teacher, run_id, code, questions[SCALE_POST], devices[:4], ["3", "3", "4", "4"])
    before, after = (released(app, teacher, run_id, questions[i]) for i in (SCALE, SCALE_POST))
    assert after is None
    with app.app_context():
        assert answers.compare(db.session.get(Question, questions[SCALE]), before, after) is None
    page = teacher.client.get(f"/runs/{run_id}").text
    assert "De vergelijking verschijnt zodra beide vragen genoeg antwoorden hebben." in page
    assert "Verandering van het gemiddelde" not in page


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"type": "single", "question": "Eigen keuze?", "options": "Ja\nNee\nMisschien"}, "single"),
        ({"type": "multiple", "question": "Wat nog meer?", "options": "A\nB"}, "multiple"),
        ({"type": "scale", "question": "Hoe gaat het?", "low": "Slecht", "high": "Goed"}, "scale"),
        ({"type": "text", "question": "Wat wil je nog zeggen?"}, "text"),
        ({"type": "ranking", "question": "Volgorde?", "options": "X\nY\nZ"}, "ranking"),
        ({"type": "estimate", "question": "Hoeveel?", "minimum": "0", "maximum": "50"}, "estimate"),
    ],
)
def test_a_teacher_adds_an_own_question_that_students_can_answer(
    app, live_run, student, data, kind
):
    teacher, run_id, code, _questions = live_run
    assert teacher.client.post(f"/runs/{run_id}/questions", data=data).status_code == 303
    with app.app_context():
        own = db.session.scalar(db.select(Question).where(Question.added_by_teacher))
        assert own.type == kind and own.key == "own-1"
        own_id = own.id
    (device,) = phones(student, code, 1)
    teacher.act(run_id, own_id, "open")
    assert data["question"] in device.page(code).text
    answer = {"single": "2", "multiple": ["0", "1"], "scale": "4", "text": "iets",
              "estimate": "7"}.get(kind)  # fmt: skip
    if kind == "ranking":
        response = device.client.post(
            f"/live/{code}/questions/{own_id}",
            data={"place_0": "2", "place_1": "1", "place_2": "3"},
        )
    else:
        response = device.answer(code, own_id, answer)
    assert response.status_code == 303


@pytest.mark.parametrize(
    "data",
    [
        {"type": "single", "question": "Maar één optie?", "options": "Ja"},
        {"type": "ranking", "question": "Te veel", "options": "1\n2\n3\n4\n5\n6\n7"},
        {"type": "estimate", "question": "Omgekeerd?", "minimum": "10", "maximum": "5"},
        {"type": "single", "question": "", "options": "A\nB"},
        {"type": "quiz", "question": "Soort bestaat niet", "options": "A\nB"},
    ],
)
def test_an_invalid_own_question_is_refused_and_changes_nothing(app, live_run, data):
    teacher, run_id, _code, _questions = live_run
    response = teacher.client.post(f"/runs/{run_id}/questions", data=data)
    assert response.status_code == 400
    assert 'class="error"' in response.text
    with app.app_context():
        assert db.session.scalar(db.select(Question).where(Question.added_by_teacher)) is None


def test_skipped_questions_leave_the_flow_and_can_come_back(app, live_run):
    teacher, run_id, _code, questions = live_run
    with app.app_context():
        from classroom.polls import flow

        before = len(flow.steps(db.session.get(Run, run_id)))
    teacher.act(run_id, questions[SINGLE], "skip")
    with app.app_context():
        run = db.session.get(Run, run_id)
        assert len(flow.steps(run)) == before - 1
        assert db.session.get(Question, questions[SINGLE]).status == "skipped"
    teacher.act(run_id, questions[SINGLE], "restore")
    with app.app_context():
        assert db.session.get(Question, questions[SINGLE]).status == "ready"


def test_the_support_message_reaches_every_student_without_naming_anyone(app, live_run, student):
    teacher, run_id, code, _questions = live_run
    devices = phones(student, code, 2)
    assert "Zit je ergens mee?" not in devices[0].page(code).text
    teacher.client.post(f"/runs/{run_id}/support/show")
    for device in devices:
        page = device.page(code).text
        assert "Zit je ergens mee?" in page
        assert "0800-0432" in page
    teacher.client.post(f"/runs/{run_id}/support/hide")
    assert "Zit je ergens mee?" not in devices[0].page(code).text


def test_students_see_revealed_results_on_their_own_phone(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    answer_all(
        teacher,
        run_id,
        code,
        questions[MULTIPLE],
        devices,
        [["0"], ["0", "1"], ["2"], ["0"], ["3"]],
    )
    assert "60%" not in devices[0].page(code).text
    teacher.act(run_id, questions[MULTIPLE], "reveal")
    assert "60%" in devices[0].page(code).text


def test_summary_page_and_csv_hold_every_question(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    answer_all(teacher, run_id, code, questions[SINGLE], devices, ["0", "1", "1", "2", "1"])
    answer_all(teacher, run_id, code, questions[SCALE], devices[:3], ["1", "2", "3"])
    teacher.client.post(f"/runs/{run_id}/end")
    page = teacher.client.get(f"/runs/{run_id}/summary").text
    assert "Welke kleur vind je mooi?" in page and "60%" in page
    assert "Resultaten verschijnen vanaf 5 antwoorden" in page
    response = teacher.client.get(f"/runs/{run_id}/summary.csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert ["colour", "Welke kleur vind je mooi?", "Groen", "3", "60", "5"] in rows
    assert ["home-pre", "Ik voel me thuis in deze klas.", "", "", "", "3"] in rows


def test_deleting_a_run_deletes_every_answer(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 3)
    answer_all(teacher, run_id, code, questions[SINGLE], devices, ["0", "1", "2"])
    assert teacher.client.post(f"/runs/{run_id}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(Run, run_id) is None
        assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 0
    # The code is unknown now: the phone goes to the join link, which says so.
    assert devices[0].page(code).status_code == 302
    assert devices[0].client.get(f"/live/{code}", follow_redirects=True).status_code == 404


def test_the_teacher_screen_shows_the_guide_and_prompts_for_the_projector(app, live_run):
    teacher, run_id, _code, _questions = live_run
    teacher.client.post(f"/runs/{run_id}/flow/next")  # the first phase
    page = teacher.client.get(f"/runs/{run_id}").text
    assert "Handleiding voor deze fase" in page and "Stappen." in page
    teacher.client.post(f"/runs/{run_id}/flow/next")  # its first question
    page = teacher.client.get(f"/runs/{run_id}").text
    now = page.split("Nu op de projector")[1].split("</section>")[0]
    assert "Ik voel me thuis in deze klas." in now
    assert "Vraag beide kanten." in now
    assert re.search(r"Stap 3 van \d+", now)


@pytest.mark.parametrize(
    "dodged",
    [
        "kan\u200bker",  # zero-width space
        "kan\u00adker",  # soft hyphen
        "k\u0430nker",  # Cyrillic a
        "\u043a\u0430nk\u0435r",  # Cyrillic k, a and e
        "ｋａｎｋｅｒ",  # fullwidth letters
        "t\u200dy\u2060fus",  # zero-width joiner, word joiner
        "wh\u03bfre",  # Greek omicron
    ],
)
def test_the_flag_list_is_not_dodged_with_invisible_or_look_alike_letters(
    app, live_run, student, dodged
):
    teacher, run_id, code, questions = live_run
    devices = phones(student, code, 5)
    texts = [f"jij {dodged} joh", "gezellig", "fijn", "samen", "luisteren"]
    answer_all(teacher, run_id, code, questions[TEXT], devices, texts)
    flagged = {e.text: e.flagged for e in queue(app, questions[TEXT])}
    assert flagged == dict.fromkeys(texts, False) | {texts[0]: True}
