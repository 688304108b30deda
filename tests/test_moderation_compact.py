"""Moderation on the compact screen: the queue, the second step for a flagged answer, the
support message beside a possible disclosure, and word clouds that keep answers whole."""

import re

import pytest
from conftest import Staff, rendered_form

from classroom.extensions import db
from classroom.polls import answers, words
from classroom.polls.models import Question, Run

TEXT = 3  # the sample's open question: "Eén woord voor vandaag."
DISCLOSURE = "mijn vader slaat me"
ABUSIVE = "kankerweer vandaag"
PLAIN = ["samen", "respect", "luisteren"]


def phones(student, code, count):
    devices = [student() for _ in range(count)]
    for device in devices:
        assert device.join(code).status_code == 302
    return devices


def answered(app, teacher, run_id, code, question_id, student, texts):
    """Open the question (it goes on the projector), let one phone per text answer it."""
    assert teacher.act(run_id, question_id, "open").status_code == 303
    devices = phones(student, code, len(texts))
    for device, text in zip(devices, texts, strict=True):
        assert device.answer(code, question_id, text).status_code == 303
    return devices


def queued(app, question_id):
    """{text: (id, moderation)} of the question's queue."""
    with app.app_context():
        entries = answers.moderation_queue(db.session.get(Question, question_id)).answers
        return {entry.text: (str(entry.id), entry.moderation) for entry in entries}


def item_of(page: str, answer_id: str) -> str:
    """The queue item of one answer, as the page renders it."""
    found = re.search(rf'<li[^>]*id="answer-{answer_id}".*?</li>', page, re.S)
    assert found, f"answer {answer_id} is not in the queue"
    return found[0]


def action(run_id, question_id, answer_id, decision):
    return f"/runs/{run_id}/questions/{question_id}/answers/{answer_id}/{decision}?from=companion"


def test_the_compact_screen_moderates_the_question_on_the_projector(
    app, live_run, student, csrf_on
):
    teacher, run_id, code, questions = live_run
    app.config["WTF_CSRF_ENABLED"] = False  # the phones and set-up post without tokens
    answered(app, teacher, run_id, code, questions[TEXT], student, [*PLAIN, "moe", "blij"])
    app.config["WTF_CSRF_ENABLED"] = True
    entries = queued(app, questions[TEXT])
    page = teacher.client.get(f"/runs/{run_id}/companion").text
    assert "Open antwoorden om goed te keuren" in page
    for text, (answer_id, state) in entries.items():
        assert text in item_of(page, answer_id) and state == "pending"

    samen, respect = entries["samen"][0], entries["respect"][0]
    approve = action(run_id, questions[TEXT], samen, "approve")
    hide = action(run_id, questions[TEXT], respect, "hide")
    # Without its CSRF token the form is refused and nothing changes.
    assert teacher.client.post(approve).status_code == 400
    assert queued(app, questions[TEXT])["samen"][1] == "pending"
    for url in (approve, hide):
        fields = rendered_form(page, url)
        assert fields.get("csrf_token"), f"the form {url} has no CSRF token"
        response = teacher.client.post(url, data=fields)
        assert response.status_code == 303
        assert response.location.endswith(f"/runs/{run_id}/companion")
    states = {text: state for text, (_id, state) in queued(app, questions[TEXT]).items()}
    assert states["samen"] == "approved" and states["respect"] == "hidden"
    page = teacher.client.get(f"/runs/{run_id}/companion").text
    assert "/approve?from=companion" not in item_of(page, samen)
    assert "/approve?from=companion" in item_of(page, respect)  # a hidden one can come back


def test_the_compact_screen_shows_no_queue_on_other_steps(app, live_run, student):
    teacher, run_id, code, questions = live_run
    answered(app, teacher, run_id, code, questions[TEXT], student, [*PLAIN, "a", "b"])
    assert (
        "Open antwoorden om goed te keuren" in teacher.client.get(f"/runs/{run_id}/companion").text
    )
    teacher.act(run_id, questions[0], "open")  # another question goes on the projector
    page = teacher.client.get(f"/runs/{run_id}/companion").text
    assert "Open antwoorden om goed te keuren" not in page
    assert "moderation.js" not in page


def test_a_flagged_answer_is_approved_only_in_a_second_step(app, live_run, student):
    teacher, run_id, code, questions = live_run
    texts = [DISCLOSURE, ABUSIVE, *PLAIN]
    answered(app, teacher, run_id, code, questions[TEXT], student, texts)
    entries = queued(app, questions[TEXT])
    page = teacher.client.get(f"/runs/{run_id}/companion").text
    disclosure = item_of(page, entries[DISCLOSURE][0])
    abusive = item_of(page, entries[ABUSIVE][0])
    assert "Bekijk deze goed" in disclosure and "Bekijk deze goed" in abusive
    assert "kan gaan over zelfbeschadiging, mishandeling" in disclosure
    assert "“slaat me”" in disclosure
    assert "omdat het kwetsend kan zijn" in abusive and "“kanker”" in abusive
    for item in (disclosure, abusive):
        assert "Toch goedkeuren?" in item and "<summary" in item
    plain = item_of(page, entries["samen"][0])
    assert "Toch goedkeuren" not in plain and "<summary" not in plain

    url = action(run_id, questions[TEXT], entries[DISCLOSURE][0], "approve")
    fields = rendered_form(page, url)
    assert set(fields) == {"csrf_token", "confirm"} and fields["confirm"] == "yes"
    # One press without the second step is refused, with a message, and changes nothing.
    for data in ({}, {"confirm": "no"}):
        refused = teacher.client.post(url, data=data)
        assert refused.status_code == 409
        assert "Dit antwoord is gemarkeerd, dus het is niet goedgekeurd" in refused.text
    assert queued(app, questions[TEXT])[DISCLOSURE][1] == "pending"
    with app.app_context():
        version = db.session.get(Run, run_id).version
    # The same from the full teacher screen, which shares the queue.
    full = teacher.client.get(f"/runs/{run_id}").text
    assert "Toch goedkeuren?" in item_of(full, entries[DISCLOSURE][0])
    plain_url = f"/runs/{run_id}/questions/{questions[TEXT]}/answers/{entries[ABUSIVE][0]}/approve"
    assert teacher.client.post(plain_url).status_code == 409
    with app.app_context():
        assert db.session.get(Run, run_id).version == version  # not even the version moved

    # Hiding needs no second step; approving with it works, also after hiding.
    hidden = teacher.client.post(action(run_id, questions[TEXT], entries[ABUSIVE][0], "hide"))
    assert hidden.status_code == 303
    assert teacher.client.post(url, data=fields).status_code == 303
    states = {text: state for text, (_id, state) in queued(app, questions[TEXT]).items()}
    assert states[DISCLOSURE] == "approved" and states[ABUSIVE] == "hidden"


def test_a_possible_disclosure_offers_the_support_message_beside_it(app, live_run, student):
    teacher, run_id, code, questions = live_run
    devices = answered(
        app, teacher, run_id, code, questions[TEXT], student, [DISCLOSURE, ABUSIVE, *PLAIN]
    )
    entries = queued(app, questions[TEXT])
    support = f"/runs/{run_id}/support/show?from=companion"
    page = teacher.client.get(f"/runs/{run_id}/companion").text
    assert f'action="{support}"' in item_of(page, entries[DISCLOSURE][0])
    assert "Toon het hulpbericht" in item_of(page, entries[DISCLOSURE][0])
    for text in (ABUSIVE, "samen"):  # abusive is no disclosure; plain is not flagged
        assert "Toon het hulpbericht" not in item_of(page, entries[text][0])
    assert "Zit je ergens mee?" not in devices[0].page(code).text

    response = teacher.client.post(support, data=rendered_form(page, support))
    assert response.status_code == 303
    assert response.location.endswith(f"/runs/{run_id}/companion")
    for device in devices:
        assert "Zit je ergens mee?" in device.page(code).text
    page = teacher.client.get(f"/runs/{run_id}/companion").text
    beside = item_of(page, entries[DISCLOSURE][0])
    assert "Elk scherm van een leerling laat zien waar je hulp vindt." in beside
    assert "Toon het hulpbericht" not in beside


def test_the_queue_stays_on_the_teachers_own_screens(app, live_run, student, make_user, make_class):
    teacher, run_id, code, questions = live_run
    devices = answered(
        app, teacher, run_id, code, questions[TEXT], student, [DISCLOSURE, *PLAIN, "blij"]
    )
    entries = queued(app, questions[TEXT])
    pages = {
        "projector": teacher.client.get(f"/runs/{run_id}/present").text,
        "phone": devices[0].page(code).text,
    }
    for where, page in pages.items():
        for text in entries:
            assert text not in page, f"the waiting answer {text!r} shows on the {where}"
    # Another teacher of the same school sees neither the page nor can act on an answer.
    other = make_user("teacher", school_id=teacher.user["school_id"])
    stranger = Staff(app.test_client(), other)
    assert stranger.login().status_code == 302
    assert stranger.client.get(f"/runs/{run_id}/companion").status_code == 404
    url = action(run_id, questions[TEXT], entries["samen"][0], "approve")
    assert stranger.client.post(url).status_code == 404
    assert queued(app, questions[TEXT])["samen"][1] == "pending"
    # The queue shows the answers and nothing else about them: no pseudonym, no batch order
    # by arrival (flagged first, then by random id), no time.
    page = teacher.client.get(f"/runs/{run_id}/companion").text
    assert "pseudonym" not in page
    with app.app_context():
        stored = answers.moderation_queue(db.session.get(Question, questions[TEXT])).answers
    assert stored[0].text == DISCLOSURE  # flagged first, whatever came in first


def approve_all(app, teacher, run_id, question_id):
    for text, (answer_id, _state) in queued(app, question_id).items():
        url = f"/runs/{run_id}/questions/{question_id}/answers/{answer_id}/approve"
        flagged = words.is_flagged(text, words.flag_words())
        assert (
            teacher.client.post(url, data={"confirm": "yes"} if flagged else {}).status_code == 303
        )


def cloud_of(page: str) -> list[str]:
    found = re.search(r'<ul class="word-cloud"[^>]*>(.*?)</ul>', page, re.S)
    if not found:
        return []
    return re.findall(r'<li class="size-(\d)">([^<]*)<', found[1])


def test_a_one_word_question_splits_words_but_keeps_a_flagged_answer_whole(app, live_run, student):
    teacher, run_id, code, questions = live_run
    texts = [DISCLOSURE, "Samen en respect", "samen", "SAMEN!", "luisteren"]
    answered(app, teacher, run_id, code, questions[TEXT], student, texts)
    approve_all(app, teacher, run_id, questions[TEXT])
    teacher.act(run_id, questions[TEXT], "reveal")
    cloud = {
        word: size for size, word in cloud_of(teacher.client.get(f"/runs/{run_id}/present").text)
    }
    assert cloud["samen"] == "6" and "respect" in cloud and "luisteren" in cloud
    assert cloud[DISCLOSURE] in ("1", "2")  # whole and small
    for loose in ("vader", "slaat", "mijn"):
        assert loose not in cloud


def test_an_open_question_of_sentences_gets_no_word_cloud(app, live_run, student):
    teacher, run_id, code, _questions = live_run
    asked = "Wat kun je doen als je ziet dat iemand wordt buitengesloten?"
    data = {"type": "text", "question": asked}
    assert teacher.client.post(f"/runs/{run_id}/questions", data=data).status_code == 303
    with app.app_context():
        own_id = db.session.scalar(db.select(Question.id).where(Question.added_by_teacher))
    texts = [
        "Er iets van zeggen tegen de klas",
        "Naast die persoon gaan staan",
        "Een leraar erbij halen",
        "Vragen of het goed gaat",
        "Er iets van zeggen",
    ]
    answered(app, teacher, run_id, code, own_id, student, texts)
    approve_all(app, teacher, run_id, own_id)
    teacher.act(run_id, own_id, "reveal")
    projector = teacher.client.get(f"/runs/{run_id}/present").text
    assert cloud_of(projector) == [] and 'class="word-cloud"' not in projector
    for text in texts:
        assert f"<li>{text}</li>" in projector  # shown whole, in the list


@pytest.mark.parametrize(
    ("wording", "one_word"),
    [
        ("Eén woord voor vandaag.", True),
        ("Wat is ‘grijs’ voor jou? Eén woord of een korte zin.", True),
        ("Beschrijf in 1 woord hoe je je voelt", True),
        ("Describe today in one word.", True),
        ("A single word for how you feel", True),
        ("Je ziet dat iemand wordt gediscrimineerd. Noem één ding.", False),
        ("What surprised you in your interview?", False),
        ("Welke woorden vind je kwetsend?", False),
    ],
)
def test_a_one_word_question_is_recognised_by_its_wording(wording, one_word):
    assert words.asks_for_one_word([wording]) is one_word
