"""The booth by phase: one student's turn answers every open question of a phase.

Arriving on a phase's step in a booth lesson opens every ready question of the phase
for the booth (a round); leaving the step closes them. One turn is one page with all
of them, then a "ready for the next student" screen. Each answer keeps its own
pseudonym, a turn counts once, and nothing of a turn is shown to the next student.
"""

import re

import pytest
from conftest import Staff, rendered_form, run_info
from test_no_phones import start as start_lesson

from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, Response, Run

KEYS = ("home-pre", "colour", "weekend", "word", "home-post", "priorities", "haters")
PRE = ("home-pre", "colour")


def start(teacher, mode="booth", class_size=30):
    return start_lesson(teacher, mode, class_size=class_size)


def booth_for(app, teacher, run_id):
    """A tablet the teacher made the booth of the lesson."""
    tablet = Staff(app.test_client(), teacher.user)
    tablet.login()
    assert tablet.client.post(f"/runs/{run_id}/booth").status_code == 303
    return tablet.client


def step(teacher, run_id, direction="next"):
    assert teacher.client.post(f"/runs/{run_id}/flow/{direction}").status_code == 303


def ids_of(app, run_id):
    return dict(zip(KEYS, run_info(app, run_id)[1], strict=True))


def state(app, run_id):
    """(round phase or None, turns, {key: (status, answered_by, answers)})."""
    with app.app_context():
        run = db.session.get(Run, run_id)
        phase = run.booth_round.partition(":")[2] if run.booth_round else None
        questions = {
            q.key: (q.status, q.answered_by, answers.count_answers(q)) for q in run.questions
        }
        return phase, run.booth_turns, questions


def turn_form(tablet):
    """The turn page and what its form sends as rendered (nothing chosen)."""
    page = tablet.get("/booth/")
    assert page.status_code == 200
    fields = rendered_form(page.text, "/booth/turn")
    assert "turn" in fields, page.text[:500]
    return page, fields


def take_turn(tablet, ids, **chosen):
    """One student's turn: the rendered form with these answers (by question key)."""
    _page, fields = turn_form(tablet)
    for key, value in chosen.items():
        prefix = f"q{ids[key]}-"
        if isinstance(value, dict):
            fields.update({prefix + name: v for name, v in value.items()})
        else:
            fields[prefix + "answer"] = value
    return tablet.post("/booth/turn", data=fields), fields


def in_pre_round(app, teacher, class_size=30):
    run_id = start(teacher, class_size=class_size)
    tablet = booth_for(app, teacher, run_id)
    step(teacher, run_id)  # rules -> the pre-discussion's step: its round opens
    return run_id, tablet, ids_of(app, run_id)


def test_the_round_opens_and_closes_with_the_flow(app, teacher):
    run_id = start(teacher)
    tablet = booth_for(app, teacher, run_id)
    assert "Het stemhokje staat klaar" in tablet.get("/booth/").text
    step(teacher, run_id)
    phase, turns, questions = state(app, run_id)
    assert (phase, turns) == ("pre", 0)
    assert {k: questions[k][:2] for k in PRE} == dict.fromkeys(PRE, ("open", "booth"))
    assert all(questions[k][0] == "ready" for k in KEYS if k not in PRE)
    page = tablet.get("/booth/").text
    assert "Jouw beurt" in page and "Vraag 2 van 2" in page
    assert "Ik voel me thuis in deze klas." in page and "Welke kleur vind je mooi?" in page
    # Every screen of the teacher shows the round and its questions.
    for view in ("", "/present", "/companion"):
        shown = teacher.client.get(f"/runs/{run_id}{view}").text
        assert "Stemhokje:</strong>\n    0 van de 30 zijn geweest" in shown, view
        assert "Welke kleur vind je mooi?" in shown
    # Next closes the round; the first question's step shows it closed, ready for results.
    step(teacher, run_id)
    phase, _turns, questions = state(app, run_id)
    assert phase is None
    assert {k: questions[k][0] for k in PRE} == dict.fromkeys(PRE, "closed")
    assert "Het stemhokje staat klaar" in tablet.get("/booth/").text
    projector = teacher.client.get(f"/runs/{run_id}/present").text
    assert "de peiling is gesloten" in projector and "zijn geweest" not in projector
    # Back on the phase's step nothing opens again: its questions were asked.
    step(teacher, run_id, "previous")
    assert state(app, run_id)[0] is None
    # The next phase opens its own round.
    for _ in range(3):
        step(teacher, run_id)
    phase, _turns, questions = state(app, run_id)
    assert phase == "post"
    assert all(questions[k][:2] == ("open", "booth") for k in KEYS if k not in PRE)


def test_a_phase_without_a_round_goes_one_question_at_a_time(app, teacher):
    # A phones lesson never opens a round: its phase step opens nothing.
    run_id = start(teacher, "devices")
    step(teacher, run_id)
    phase, _turns, questions = state(app, run_id)
    assert phase is None and all(q[0] == "ready" for q in questions.values())
    # A booth lesson whose teacher opens a question by hand: the round ends, one at a time.
    run_id, tablet, ids = in_pre_round(app, teacher)
    assert teacher.act(run_id, ids["colour"], "open").status_code == 303
    phase, _turns, questions = state(app, run_id)
    assert phase is None
    assert (questions["home-pre"][0], questions["colour"][0]) == ("closed", "open")
    page = tablet.get("/booth/").text
    assert "Jouw beurt" not in page and f"/booth/questions/{ids['colour']}" in page
    done = tablet.post(f"/booth/questions/{ids['colour']}", data={"answer": "1"})
    assert done.status_code == 303
    assert state(app, run_id)[2]["colour"][2] == 1


def test_a_turn_answers_every_question_of_the_round_under_its_own_pseudonyms(app, teacher):
    run_id, tablet, ids = in_pre_round(app, teacher)
    done, _sent = take_turn(tablet, ids, **{"home-pre": "4", "colour": "2"})
    assert done.status_code == 303 and done.location.endswith("/booth/ready")
    ready = tablet.get("/booth/ready")
    assert "Klaar voor de volgende leerling?" in ready.text
    assert ready.headers["Cache-Control"] == "no-store"
    # A student may leave one out.
    done, _sent = take_turn(tablet, ids, colour="0")
    assert done.status_code == 303
    _phase, turns, questions = state(app, run_id)
    assert turns == 2
    assert (questions["home-pre"][2], questions["colour"][2]) == (1, 2)
    with app.app_context():
        pseudonyms = db.session.scalars(
            db.select(Response.pseudonym).where(
                Response.question_id.in_([ids["home-pre"], ids["colour"]])
            )
        ).all()
    assert len(pseudonyms) == 3 and len(set(pseudonyms)) == 3
    # The teacher and the class see the turns: in the round and in who is in.
    assert "2 van de 30 zijn geweest" in teacher.client.get(f"/runs/{run_id}/present").text
    screen = teacher.client.get(f"/runs/{run_id}").text
    assert "2 in het stemhokje" in screen
    # Not per question while the round is open: one turn left out "home-pre", and the
    # teacher, who sees who stands at the booth, must not learn which question that was.
    assert "antwoorden worden geteld als de ronde bij het stemhokje sluit" in screen
    assert not re.search(r">\s*1\s*</span>\s*antwoorden", screen)


def test_a_turn_counts_once_whatever_is_posted_twice(app, teacher):
    run_id, tablet, ids = in_pre_round(app, teacher)
    done, sent = take_turn(tablet, ids, **{"home-pre": "3", "colour": "1"})
    assert done.status_code == 303
    # A double click, or Back and Done again: the same turn id stores and counts nothing.
    again = tablet.post("/booth/turn", data=sent, follow_redirects=True)
    assert again.status_code == 200
    assert "Deze beurt was al ingeleverd" in again.text
    assert "Klaar voor de volgende leerling?" in again.text
    _phase, turns, questions = state(app, run_id)
    assert (turns, questions["home-pre"][2], questions["colour"][2]) == (1, 1, 1)
    # A turn with nothing answered, or an answer that does not fit, counts nothing.
    empty, _sent = take_turn(tablet, ids)
    assert empty.status_code == 400 and "Beantwoord minstens één vraag" in empty.text
    bad, sent = take_turn(tablet, ids, **{"home-pre": "9", "colour": "1"})
    assert bad.status_code == 400 and 'class="choices has-error"' in bad.text
    assert state(app, run_id)[:2] == ("pre", 1)
    assert state(app, run_id)[2]["colour"][2] == 1
    # The turn id was not used up: the same student corrects and hands in.
    sent[f"q{ids['home-pre']}-answer"] = "5"
    assert tablet.post("/booth/turn", data=sent).status_code == 303
    assert state(app, run_id)[1] == 2


def test_every_type_of_question_in_one_turn_and_nothing_left_for_the_next(app, teacher):
    run_id = start(teacher)
    tablet = booth_for(app, teacher, run_id)
    ids = ids_of(app, run_id)
    for _ in range(4):  # rules, pre, its two questions -> the post-discussion's step
        step(teacher, run_id)
    assert state(app, run_id)[0] == "post"
    page, _fields = turn_form(tablet)
    assert page.headers["Cache-Control"] == "no-store"
    # A ranking starts blank here: left out, it is no answer in the options' order.
    assert re.search(r'<option selected value="">', page.text) or 'value="" selected' in page.text
    chosen = {
        "weekend": ["0", "2"],
        "word": "mijn geheime woord",
        "home-post": "2",
        "priorities": {"place_0": "2", "place_1": "3", "place_2": "1"},
        "haters": "37",
    }
    done, _sent = take_turn(tablet, ids, **chosen)
    assert done.status_code == 303, done.text[:2000]
    _phase, turns, questions = state(app, run_id)
    assert turns == 1
    assert all(questions[k][2] == 1 for k in chosen)
    # Nothing of the turn comes back: not on the ready screen, not on the next turn's page.
    for url in ("/booth/ready", "/booth/"):
        shown = tablet.get(url).text
        assert "mijn geheime woord" not in shown and "checked" not in shown
        assert 'value="37"' not in shown
    # A ranking with one place missing is an error, not an answer.
    partial, _sent = take_turn(
        tablet, ids, priorities={"place_0": "1", "place_1": "", "place_2": ""}
    )
    assert partial.status_code == 400
    assert state(app, run_id)[1] == 1


def test_requests_outside_the_round_are_refused_and_change_nothing(app, teacher):
    run_id, tablet, ids = in_pre_round(app, teacher)
    _page, stale = turn_form(tablet)
    stale[f"q{ids['colour']}-answer"] = "1"
    # During a round, a single question's answer would count no turn.
    single = tablet.post(f"/booth/questions/{ids['colour']}", data={"answer": "1"})
    assert single.status_code == 409 and "beantwoord de vragen ervan samen" in single.text
    step(teacher, run_id)  # the teacher moves on: the round closes
    closed = tablet.post("/booth/turn", data=stale)
    assert closed.status_code == 409
    assert "Deze ronde van het stemhokje is gesloten" in closed.text
    _phase, turns, questions = state(app, run_id)
    assert turns == 0 and questions["colour"][2] == 0
    # A form of an earlier round never counts in a later one.
    for _ in range(2):
        step(teacher, run_id)
    assert state(app, run_id)[0] == "post"
    stale["turn"] = stale["turn"].replace(":pre:", ":post:")
    assert tablet.post("/booth/turn", data=stale).status_code == 409
    assert state(app, run_id)[1] == 0
    # Without the booth's session nobody gets in; the teacher ends the booth: 410.
    assert app.test_client().post("/booth/turn", data=stale).status_code == 410
    assert teacher.client.post(f"/runs/{run_id}/booth/end").status_code == 303
    assert tablet.post("/booth/turn", data=stale).status_code == 410
    assert tablet.get("/booth/ready").status_code == 410


def test_no_more_turns_than_the_lesson_takes(app, teacher):
    run_id, tablet, ids = in_pre_round(app, teacher, class_size=1)  # 1 + 2 spare
    for _ in range(3):
        assert take_turn(tablet, ids, colour="0")[0].status_code == 303
    full, _sent = take_turn(tablet, ids, colour="0")
    assert (
        full.status_code == 409 and "Iedereen in deze les is al aan de beurt geweest" in full.text
    )
    assert state(app, run_id)[1] == 3 and state(app, run_id)[2]["colour"][2] == 3


def test_the_turn_form_needs_its_csrf_token(app, teacher):
    run_id, tablet, ids = in_pre_round(app, teacher)
    _page, fields = turn_form(tablet)
    app.config["WTF_CSRF_ENABLED"] = True
    fields[f"q{ids['colour']}-answer"] = "1"
    fields.pop("csrf_token", None)
    assert tablet.post("/booth/turn", data=fields).status_code == 400
    assert state(app, run_id)[1] == 0


@pytest.mark.parametrize("view", ["", "/present", "/companion", "/booth"])
def test_a_teacher_of_another_school_sees_no_round(app, teacher, make_user, make_class, view):
    run_id, _tablet, _ids = in_pre_round(app, teacher)
    other = Staff(app.test_client(), make_user("teacher"))
    other.class_id = make_class(other.user["school_id"], [other.user["id"]])
    other.login()
    assert other.client.get(f"/runs/{run_id}{view}").status_code == 404
    assert other.client.post(f"/runs/{run_id}/flow/next").status_code == 404
    assert state(app, run_id)[0] == "pre"


def test_booth_answers_of_a_closed_round_release_as_before(app, teacher):
    run_id, tablet, ids = in_pre_round(app, teacher)
    for number in range(6):
        assert take_turn(tablet, ids, colour=str(number % 3))[0].status_code == 303
    step(teacher, run_id)  # closes the round; the first question's step
    step(teacher, run_id)  # the colour question's step
    assert teacher.act(run_id, ids["colour"], "reveal").status_code == 303
    with app.app_context():
        result = answers.results(db.session.get(Question, ids["colour"]), "nl")
    assert [o.count for o in result.options] == [2, 2, 2]
    # Too few for the question nobody answered: no results, as ever.
    assert teacher.act(run_id, ids["home-pre"], "reveal").status_code == 303
    with app.app_context():
        assert answers.results(db.session.get(Question, ids["home-pre"]), "nl") is None


def test_turns_of_a_round_move_no_view_by_fewer_than_k(app, teacher, student):
    """The anonymity harness over a round: every view changes by at least k answers."""
    from test_anonymity_every_path import K, Truth, every_view, joined

    run_id, tablet, ids = in_pre_round(app, teacher, class_size=K + 4)
    code = run_info(app, run_id)[0]
    viewer = joined(student, code, 1)[0]
    truth = Truth(every_view(teacher, run_id, (viewer, code)))
    for number in range(K + 4):
        # Every third student leaves the scale out; answers to the two are never linked.
        chosen = {"colour": str(number % 3)}
        if number % 3:
            chosen["home-pre"] = str(1 + number % 5)
        assert take_turn(tablet, ids, **chosen)[0].status_code == 303
        for key, value in chosen.items():
            truth.give((key, number), value)
        for key in PRE:
            teacher.act(run_id, ids[key], "release")
        truth.look()
    step(teacher, run_id)  # the round closes
    truth.look()
    # (The harness follows one step of the projector: the class sees one question.)
    teacher.act(run_id, ids["colour"], "reveal")
    truth.look()
    assert truth.changes["projector"] == 1
    assert truth.changes["teacher screen"] >= 2  # both questions released during the round
    assert state(app, run_id)[1] == K + 4
