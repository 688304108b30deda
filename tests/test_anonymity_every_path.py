"""Anonymity wherever an answer comes from: phones, the booth, paper slips, raised hands,
the teacher's own questions, a second session with new devices, answers changed and
changed back.

The harness knows every answer as it truly is (who gave which value) and reads every
view a person can see after every step: the teacher screen, the projector, the compact
screen, the summary, its CSV and a student's screen. Whenever a view changes, the answers
must differ from what they were when that view last changed in at least k answers: added,
or with another value. An answer touched and put back is no change.
"""

import re

import pytest
from conftest import Staff, rendered_form, run_info
from test_anonymity_over_time import approve_everything, csv_fingerprint, fingerprint

from classroom.coordination.models import SettingChange
from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, Run

K = 5
SCALE, SINGLE, MULTIPLE, TEXT, SCALE_POST, RANKING, ESTIMATE = range(7)


class Truth:
    """Every answer as it truly is, and what each view showed when it last changed.

    The teacher screen shows each release the moment it is made; the projector and the
    phones show it once revealed, later. So a view's figures are those of the answers
    as they were at the latest change of the teacher screen, and that is what two
    moments of a view are compared by.
    """

    SOURCE = "teacher screen"

    def __init__(self, views, k=K):
        self.views = views
        self.k = k
        self.answers: dict = {}
        self.released: dict = {}
        self.shown = {name: (read(), {}) for name, read in views.items()}
        self.changes = dict.fromkeys(views, 0)

    def give(self, who, value):
        self.answers[who] = repr(value)

    @staticmethod
    def differing(now: dict, then: dict) -> int:
        return sum(1 for who in now.keys() | then.keys() if now.get(who) != then.get(who))

    def look(self):
        for name in sorted(self.views, key=lambda name: name != self.SOURCE):
            now = self.views[name]()
            before, then = self.shown[name]
            # Showing nothing (an open poll, a hidden result) gives nothing away.
            if now and now != before:
                if name == self.SOURCE:
                    self.released = dict(self.answers)
                moved = self.differing(self.released, then)
                assert moved >= self.k, f"{name} changed when {moved} answers differed"
                self.shown[name] = (now, self.released)
                self.changes[name] += 1


def every_view(teacher, run_id, viewer=None):
    views = {
        "teacher screen": lambda: fingerprint(teacher.client.get(f"/runs/{run_id}").text),
        "projector": lambda: fingerprint(teacher.client.get(f"/runs/{run_id}/present").text),
        "compact screen": lambda: fingerprint(teacher.client.get(f"/runs/{run_id}/companion").text),
        "summary": lambda: fingerprint(teacher.client.get(f"/runs/{run_id}/summary").text),
        "summary csv": lambda: csv_fingerprint(
            teacher.client.get(f"/runs/{run_id}/summary.csv").text
        ),
    }
    if viewer is not None:
        phone, code = viewer
        views["student screen"] = lambda: fingerprint(phone.page(code).text)
    return views


def start(teacher, mode="devices", class_size=30, module="sample"):
    data = {"module": module, "school_class": teacher.class_id, "language": "nl",
            "answer_mode": mode, "class_size": class_size}  # fmt: skip
    response = teacher.client.post("/runs/", data=data)
    assert response.status_code == 303, response.text[:300]
    return int(re.search(r"/runs/(\d+)/present", response.location)[1])


def joined(student, code, count):
    phones = [student() for _ in range(count)]
    for phone in phones:
        assert phone.join(code).status_code == 302
    return phones


def send(phone, code, question_id, value):
    data = value if isinstance(value, dict) else {"answer": value}
    response = phone.client.post(f"/live/{code}/questions/{question_id}", data=data)
    assert response.status_code == 303, response.text[:300]


def settle(teacher, run_id, question_id, truth):
    """The most eager teacher: asks for results after every step, and the class looks too."""
    teacher.act(run_id, question_id, "release")
    truth.look()


def reveal_and_reopen(teacher, run_id, question_id, truth):
    teacher.act(run_id, question_id, "reveal")
    truth.look()
    assert teacher.act(run_id, question_id, "open").status_code == 303
    truth.look()


def ranking(*order):
    return {f"place_{option}": str(place + 1) for place, option in enumerate(order)}


# Per question type: the first answers, and values A, B and C to move between.
VALUES = {
    SINGLE: ("0", "1", "2"),
    SCALE: ("2", "4", "5"),
    MULTIPLE: (["0"], ["1", "2"], ["0", "3"]),
    RANKING: (ranking(0, 1, 2), ranking(2, 1, 0), ranking(1, 0, 2)),
    ESTIMATE: ("10", "45", "80"),
}


@pytest.mark.parametrize("index", list(VALUES))
def test_answers_changed_and_changed_back_move_no_view(app, live_run, student, index):
    teacher, run_id, code, questions = live_run
    question = questions[index]
    a, b, c = VALUES[index]
    viewer = joined(student, code, 1)[0]
    truth = Truth(every_view(teacher, run_id, (viewer, code)))
    phones = joined(student, code, 2 * K)
    teacher.act(run_id, question, "open")

    def answer(number, value):
        send(phones[number], code, question, value)
        truth.give(number, value)
        settle(teacher, run_id, question, truth)

    for number in range(2 * K):
        answer(number, a)
    reveal_and_reopen(teacher, run_id, question, truth)
    shown, exported = truth.changes["projector"], truth.changes["summary csv"]
    assert shown == 1
    # k - 1 phones go A -> B -> A and A -> B -> C -> A; one watched student really moves.
    for number in range(1, K):
        answer(number, b)
        if number % 2:
            answer(number, c)
        answer(number, a)
        reveal_and_reopen(teacher, run_id, question, truth)
    answer(0, b)
    reveal_and_reopen(teacher, run_id, question, truth)
    with app.app_context():
        assert answers.pending_changes_of_run(db.session.get(Run, run_id)) == {question: 1}
    assert truth.changes["projector"] == shown  # that one move stays unseen
    # Four more real moves make k: now the results may move on.
    for number in range(K, 2 * K - 1):
        answer(number, c)
    reveal_and_reopen(teacher, run_id, question, truth)
    assert truth.changes["projector"] == shown + 1
    assert truth.changes["summary csv"] == exported + 1


def test_open_texts_changed_back_form_no_batch(app, live_run, student):
    teacher, run_id, code, questions = live_run
    question = questions[TEXT]
    viewer = joined(student, code, 1)[0]
    truth = Truth(every_view(teacher, run_id, (viewer, code)))
    phones = joined(student, code, K)
    teacher.act(run_id, question, "open")

    def answer(number, text):
        send(phones[number], code, question, text)
        truth.give(number, text)
        approve_everything(app, teacher, run_id, question)
        settle(teacher, run_id, question, truth)

    for number in range(K):
        answer(number, f"eerste {number}")
    reveal_and_reopen(teacher, run_id, question, truth)
    assert truth.changes["teacher screen"] == 1
    for number in range(1, K):
        answer(number, "tussendoor")
        answer(number, f"eerste {number}")
    answer(0, "echt anders")
    reveal_and_reopen(teacher, run_id, question, truth)
    assert truth.changes["teacher screen"] == 1


def test_the_booth_counts_only_in_a_booth_lesson_and_up_to_the_lesson_size(app, teacher, student):
    phones_lesson = start(teacher, "devices")
    tablet = Staff(app.test_client(), teacher.user)
    tablet.login()
    refused = tablet.client.post(f"/runs/{phones_lesson}/booth")
    assert refused.status_code == 409
    assert "alleen in een les waarin de klas op één gedeeld apparaat" in refused.text
    assert tablet.client.get("/booth/").status_code == 410

    run_id = start(teacher, "booth", class_size=K + 1)
    code, questions = run_info(app, run_id)
    question = questions[SINGLE]
    viewer = joined(student, code, 1)[0]
    truth = Truth(every_view(teacher, run_id, (viewer, code)))
    assert tablet.client.post(f"/runs/{run_id}/booth").status_code == 303
    teacher.act(run_id, question, "open")
    # A phone that joined the booth lesson sees no question and cannot answer it.
    assert 'name="answer"' not in viewer.page(code).text
    phone_answer = viewer.client.post(f"/live/{code}/questions/{question}", data={"answer": "1"})
    assert phone_answer.status_code == 409
    for turn in range(K + 3):  # the class of K + 1 and two spare
        done = tablet.client.post(f"/booth/questions/{question}", data={"answer": str(turn % 3)})
        assert done.status_code == 303
        truth.give(("booth", turn), str(turn % 3))
        settle(teacher, run_id, question, truth)
        if turn in (K - 2, K - 1, K):
            reveal_and_reopen(teacher, run_id, question, truth)
    assert truth.changes["projector"] == 1
    full = tablet.client.post(
        f"/booth/questions/{question}", data={"answer": "0"}, follow_redirects=True
    )
    assert "Iedereen in deze les heeft deze peiling al beantwoord" in full.text
    with app.app_context():
        assert answers.count_answers(db.session.get(Question, question)) == K + 3
    # Teacher and class see who took part: the booth next to the phones.
    projector = teacher.client.get(f"/runs/{run_id}/present").text
    assert re.search(
        r"1</span> telefoon · 8 in het stemhokje · 0 met de hand geteld · klas van 6", projector
    )
    assert "8 in het stemhokje" in teacher.client.get(f"/runs/{run_id}").text
    # Switching the lesson to phones closes the poll and the booth; the poll stays the booth's.
    teacher.client.post(f"/runs/{run_id}/answer-mode", data={"answer_mode": "devices"})
    assert tablet.client.get("/booth/").status_code == 410
    reopened = teacher.act(run_id, question, "open")
    assert reopened.status_code == 409 and "stemhokje beantwoord" in reopened.text
    assert (
        viewer.client.post(f"/live/{code}/questions/{question}", data={"answer": "1"}).status_code
        == 409
    )
    truth.look()


@pytest.mark.parametrize("counted_by", ["hand", "hands"])
def test_a_tally_never_sits_beside_phone_answers(app, teacher, student, counted_by):
    phones_lesson = start(teacher, "devices")
    _code, questions = run_info(app, phones_lesson)
    url = f"/runs/{phones_lesson}/questions/{questions[SINGLE]}/tally"
    if counted_by == "hands":
        url += "?by=hands"
    slips = {"slips": K - 1, "count_0": K - 1, "count_1": 0, "count_2": 0}
    refused = teacher.client.post(url, data=slips)
    assert refused.status_code == 409 and "Aantallen typ je alleen in" in refused.text

    run_id = start(teacher, "paper" if counted_by == "hand" else "hands")
    code, questions = run_info(app, run_id)
    question = questions[SINGLE]
    viewer = joined(student, code, 1)[0]
    truth = Truth(every_view(teacher, run_id, (viewer, code)))
    by = "?by=hands" if counted_by == "hands" else ""
    tally_url = f"/runs/{run_id}/questions/{question}/tally{by}"
    # k - 1 known slips...
    assert teacher.client.post(tally_url, data=slips).status_code == 303
    for slip in range(K - 1):
        truth.give(("slip", slip), "0")
    settle(teacher, run_id, question, truth)
    teacher.act(run_id, question, "reveal")
    truth.look()
    assert truth.changes["projector"] == 0
    # ... and the poll never opens for phones, whatever the lesson's way of answering now.
    teacher.client.post(f"/runs/{run_id}/answer-mode", data={"answer_mode": "devices"})
    reopened = teacher.act(run_id, question, "open")
    assert reopened.status_code == 409 and "met de hand geteld" in reopened.text
    sent = viewer.client.post(f"/live/{code}/questions/{question}", data={"answer": "1"})
    assert sent.status_code == 409
    truth.look()
    # A poll phones answered takes no tally, even once the lesson goes back to paper.
    other = questions[MULTIPLE]
    teacher.act(run_id, other, "open")
    send(viewer, code, other, ["1"])
    teacher.client.post(f"/runs/{run_id}/answer-mode", data={"answer_mode": "paper"})
    counted = teacher.client.post(
        f"/runs/{run_id}/questions/{other}/tally",
        data={"slips": 3, "count_0": 3, "count_1": 0, "count_2": 0, "count_3": 0},
    )
    assert counted.status_code == 409
    with app.app_context():
        assert answers.count_answers(db.session.get(Question, question)) == K - 1
        assert answers.count_answers(db.session.get(Question, other)) == 1
    assert "4 met de hand geteld" in teacher.client.get(f"/runs/{run_id}").text


def test_a_phase_grid_counts_no_poll_that_phones_answered(app, teacher, student):
    """The grid of a phase stores each row as a question's tally does: after a switch from
    phones to paper it counts only the polls nobody answered, and those never open for
    phones again."""
    from test_tally_by_phase import grid_fields, grid_url

    run_id = start(teacher, "devices")
    code, questions = run_info(app, run_id)
    scale, single = questions[SCALE], questions[SINGLE]  # the pre-discussion's two polls
    (phone,) = joined(student, code, 1)
    teacher.act(run_id, single, "open")
    send(phone, code, single, "1")
    switched = teacher.client.post(f"/runs/{run_id}/answer-mode", data={"answer_mode": "paper"})
    assert switched.status_code == 303
    fields = grid_fields(teacher, run_id, "pre", **{str(scale): [K - 1, 0, 0, 0, 0]})
    assert f"q{single}_0" not in fields  # the answered poll has no boxes
    # A row for it added by hand is no field of the form: it stores nothing.
    fields.update({f"q{single}_{index}": str(K - 1) for index in range(3)}, slips=str(K - 1))
    assert teacher.client.post(grid_url(run_id, "pre"), data=fields).status_code == 303
    with app.app_context():
        counted = [answers.count_answers(db.session.get(Question, q)) for q in (scale, single)]
        assert counted == [K - 1, 1]
    teacher.client.post(f"/runs/{run_id}/answer-mode", data={"answer_mode": "devices"})
    reopened = teacher.act(run_id, scale, "open")
    assert reopened.status_code == 409 and "met de hand geteld" in reopened.text
    sent = phone.client.post(f"/live/{code}/questions/{scale}", data={"answer": "3"})
    assert sent.status_code == 409


def test_own_questions_and_a_second_session_with_new_devices(app, live_run, student):
    teacher, run_id, code, _questions = live_run
    added = teacher.client.post(
        f"/runs/{run_id}/questions",
        data={"type": "single", "question": "Eigen vraag?", "options": "Ja\nNee\nMisschien"},
    )
    assert added.status_code == 303, added.text[:300]
    question = run_info(app, run_id)[1][-1]
    viewer = joined(student, code, 1)[0]
    truth = Truth(every_view(teacher, run_id, (viewer, code)))
    first_day = joined(student, code, K + 1)
    teacher.act(run_id, question, "open")
    for number, phone in enumerate(first_day):
        send(phone, code, question, "0")
        truth.give(("day 1", number), "0")
        settle(teacher, run_id, question, truth)
    reveal_and_reopen(teacher, run_id, question, truth)
    assert teacher.client.post(f"/runs/{run_id}/pause").status_code == 303
    truth.look()
    assert teacher.client.post(f"/runs/{run_id}/resume").status_code == 303
    # The watching phone is sent to be counted in the new session, then looks on.
    assert viewer.page(code).status_code == 302
    assert viewer.join(code).status_code == 302
    # Day 2: the same students come back on other devices, and some toggle on the old ones.
    second_day = joined(student, code, K)
    assert teacher.act(run_id, question, "open").status_code == 303
    for number, phone in enumerate(second_day):
        send(phone, code, question, "1")
        truth.give(("day 2", number), "1")
        settle(teacher, run_id, question, truth)
        send(first_day[number], code, question, "2")
        truth.give(("day 1", number), "2")
        settle(teacher, run_id, question, truth)
        send(first_day[number], code, question, "0")
        truth.give(("day 1", number), "0")
        settle(teacher, run_id, question, truth)
        if number in (K - 2, K - 1):
            reveal_and_reopen(teacher, run_id, question, truth)
    assert truth.changes["projector"] == 2
    assert truth.changes["student screen"] == 2  # the phone saw day 2's release too


def size_offered(page: str) -> str:
    return rendered_form(page, "/runs/").get("class_size", "")


def test_a_lesson_always_has_its_own_size(app, teacher, make_user, student):
    # The class has no size: the start form asks for one.
    assert size_offered(teacher.client.get("/lessons/sample").text) == ""
    without = teacher.client.post(
        "/runs/", data={"module": "sample", "school_class": teacher.class_id, "language": "nl"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Hoeveel leerlingen zitten er in deze klas?" in without.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Run)) == 0
    run_id = teacher.start_run(teacher.class_id, class_size=3)
    with app.app_context():
        run = db.session.get(Run, run_id)
        assert (run.class_size, run.join_limit, run.school_class.size) == (3, 5, None)
    code = run_info(app, run_id)[0]
    joined(student, code, 5)
    assert student().join(code).status_code == 403


def test_only_the_coordinator_changes_a_class_size_and_the_audit_list_says_so(
    app, teacher, make_user, student
):
    coordinator = Staff(
        app.test_client(), make_user("coordinator", school_id=teacher.user["school_id"])
    )
    coordinator.login()
    response = coordinator.client.post(
        f"/school/classes/{teacher.class_id}",
        data={"name": "3 HAVO B", "level": "havo", "year": "3", "size": "24",
              "teachers": teacher.user["id"]},
    )  # fmt: skip
    assert response.status_code == 303
    # The start form now offers the class's size; a lesson of 20 leaves it at 24.
    assert size_offered(teacher.client.get("/lessons/sample").text) == "24"
    run_id = teacher.start_run(teacher.class_id, class_size=20)
    with app.app_context():
        run = db.session.get(Run, run_id)
        assert (run.class_size, run.school_class.size) == (20, 24)
        changes = db.session.scalars(db.select(SettingChange)).all()
        assert [(c.setting, c.old_value, c.new_value) for c in changes] == [
            ("class_size", "3 HAVO B: –", "3 HAVO B: 24")
        ]
    audit = teacher.client.get("/school/settings").text
    assert "Leerlingen in een klas" in audit and "3 HAVO B: 24" in audit


def test_a_reopened_poll_shows_the_phone_an_empty_form(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone, fresh = joined(student, code, 2)
    answered = (
        (SINGLE, "2"), (MULTIPLE, ["1", "3"]), (TEXT, "mijn geheim"), (SCALE, "4"),
        (RANKING, ranking(2, 0, 1)), (ESTIMATE, "37"),
    )  # fmt: skip
    for index, value in answered:
        question = questions[index]
        teacher.act(run_id, question, "open")
        send(phone, code, question, value)
        teacher.act(run_id, question, "close")
        teacher.act(run_id, question, "open")
        page = phone.page(code).text
        assert "Je antwoord is opgeslagen" in page
        assert "checked" not in page and "mijn geheim" not in page and 'value="37"' not in page
        # The form sends what a phone that never answered sends: nothing of this phone.
        action = f"/live/{code}/questions/{question}"
        own, blank = rendered_form(page, action), rendered_form(fresh.page(code).text, action)
        own.pop("csrf_token", None), blank.pop("csrf_token", None)
        assert own == blank, index
