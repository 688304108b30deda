"""The product's anonymity rules, checked on the stored rows themselves."""

from conftest import run_info
from sqlalchemy import inspect

from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, Response

SCALE, SINGLE, MULTIPLE, TEXT = range(4)
BROWSER = {"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "SpecialPhone/9.9 (Leerling)"}


def answer_everything(teacher, run_id, code, questions, phone):
    for index, answer in ((SCALE, "3"), (SINGLE, "2"), (TEXT, "iets persoonlijks")):
        teacher.act(run_id, questions[index], "open")
        assert phone.answer(code, questions[index], answer).status_code == 303


def test_a_response_row_holds_only_the_answer_and_a_per_question_pseudonym(app):
    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("response")}
    assert columns == {
        "id", "question_id", "pseudonym", "value", "text", "moderation", "flagged",
        "released_value", "batch", "retracted",
    }  # fmt: skip


def test_no_address_user_agent_or_time_of_a_student_is_stored_anywhere(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = student(**BROWSER)
    phone.join(code)
    answer_everything(teacher, run_id, code, questions, phone)
    with app.app_context():
        everything = []
        for table in db.metadata.sorted_tables:
            everything += [str(row) for row in db.session.execute(db.select(table))]
    dump = "\n".join(everything)
    assert "iets persoonlijks" in dump  # the answer itself is there
    for secret in ("203.0.113.77", "SpecialPhone", "Leerling"):
        assert secret not in dump


def test_one_students_answers_to_two_questions_cannot_be_linked(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phones = [student() for _ in range(3)]
    for phone in phones:
        phone.join(code)
        answer_everything(teacher, run_id, code, questions, phone)
    with app.app_context():
        rows = db.session.execute(db.select(Response.question_id, Response.pseudonym)).all()
    by_question = {}
    for question_id, pseudonym in rows:
        by_question.setdefault(question_id, set()).add(pseudonym)
    assert [len(p) for p in by_question.values()] == [3, 3, 3]
    # No pseudonym appears under two questions: rows cannot be joined per student.
    all_pseudonyms = [p for ps in by_question.values() for p in ps]
    assert len(set(all_pseudonyms)) == len(all_pseudonyms) == 9


def test_the_pseudonym_depends_on_the_server_key_run_question_and_device(app, live_run):
    _teacher, _run_id, _code, questions = live_run
    with app.app_context():
        first, second = (db.session.get(Question, q) for q in questions[:2])
        base = answers.pseudonym(first, "device-a")
        assert base == answers.pseudonym(first, "device-a")
        assert base != answers.pseudonym(second, "device-a")
        assert base != answers.pseudonym(first, "device-b")
        assert "device-a" not in base
        app.config["SECRET_KEY"] = "another key"
        assert base != answers.pseudonym(first, "device-a")


def test_response_keys_are_random_not_a_sequence(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[SINGLE], "open")
    for _ in range(5):
        phone = student()
        phone.join(code)
        phone.answer(code, questions[SINGLE], "1")
    with app.app_context():
        ids = list(db.session.scalars(db.select(Response.id)))
    assert len({i.int for i in ids}) == 5
    assert sorted(i.int for i in ids) != list(
        range(min(i.int for i in ids), min(i.int for i in ids) + 5)
    )


def results_page(teacher, run_id):
    return teacher.client.get(f"/runs/{run_id}").text


def answer_single(student, code, question_id, values):
    for value in values:
        phone = student()
        phone.join(code)
        assert phone.answer(code, question_id, str(value)).status_code == 303


def test_results_stay_hidden_below_k_answers(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[SINGLE], "open")
    answer_single(student, code, questions[SINGLE], [0, 1, 1, 2])
    teacher.act(run_id, questions[SINGLE], "reveal")
    for page in (results_page(teacher, run_id), teacher.client.get(f"/runs/{run_id}/present").text):
        assert "Resultaten verschijnen vanaf 5 antwoorden" in page
        assert "%" not in page.split("Welke kleur")[1].split("</li>")[0]
    viewer = student()
    viewer.join(code)
    assert "25%" not in viewer.page(code).text


def test_results_appear_at_k_answers_with_counts_and_percentages(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[SINGLE], "open")
    answer_single(student, code, questions[SINGLE], [0, 1, 1, 2, 1])
    teacher.act(run_id, questions[SINGLE], "reveal")
    presenter = teacher.client.get(f"/runs/{run_id}/present").text
    assert "Resultaten verschijnen" not in presenter
    assert "Groen" in presenter
    assert "60%" in presenter and "20%" in presenter
    viewer = student()
    viewer.join(code)
    assert "60%" in viewer.page(code).text


def test_scale_results_show_the_distribution_and_the_mean(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[SCALE], "open")
    answer_single(student, code, questions[SCALE], [1, 2, 5, 5, 5])
    teacher.act(run_id, questions[SCALE], "release")
    with app.app_context():
        result = answers.results(db.session.get(Question, questions[SCALE]), "nl")
    assert [o.count for o in result.options] == [1, 1, 0, 0, 3]
    assert [o.percent for o in result.options] == [20, 20, 0, 0, 60]
    assert result.mean == 3.6


def test_multiple_choice_percentages_are_of_the_students_who_answered(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[MULTIPLE], "open")
    for chosen in (["0", "1"], ["0"], ["0", "3"], ["2"], ["0", "1", "2", "3"]):
        phone = student()
        phone.join(code)
        assert phone.answer(code, questions[MULTIPLE], chosen).status_code == 303
    teacher.act(run_id, questions[MULTIPLE], "release")
    with app.app_context():
        result = answers.results(db.session.get(Question, questions[MULTIPLE]), "en")
    assert [(o.label, o.count, o.percent) for o in result.options] == [
        ("Sports", 4, 80), ("Reading", 2, 40), ("Gaming", 2, 40), ("Working", 2, 40)
    ]  # fmt: skip


def test_the_school_sets_k_but_never_below_three(app, teacher, student):
    from classroom.accounts.models import School

    with app.app_context():
        db.session.get(School, teacher.user["school_id"]).min_answers = 1
        db.session.commit()
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    teacher.act(run_id, questions[SINGLE], "open")
    answer_single(student, code, questions[SINGLE], [0, 1])
    teacher.act(run_id, questions[SINGLE], "release")
    assert "Resultaten verschijnen vanaf 3 antwoorden" in results_page(teacher, run_id)
    answer_single(student, code, questions[SINGLE], [2])
    teacher.act(run_id, questions[SINGLE], "release")
    page = results_page(teacher, run_id)
    assert "Resultaten verschijnen" not in page and "33%" in page


def test_lowering_k_changes_no_running_lesson(app, live_run, student):
    from classroom.accounts.models import School

    teacher, run_id, code, questions = live_run
    with app.app_context():
        db.session.get(School, teacher.user["school_id"]).min_answers = 3
        db.session.commit()
    teacher.act(run_id, questions[SINGLE], "open")
    answer_single(student, code, questions[SINGLE], [0, 1, 2])
    teacher.act(run_id, questions[SINGLE], "release")
    assert "Resultaten verschijnen vanaf 5 antwoorden" in results_page(teacher, run_id)


def test_open_answers_reach_only_the_teacher_and_only_from_k(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[TEXT], "open")
    words = ["appel", "peer", "banaan", "kiwi"]
    for word in words:
        phone = student()
        phone.join(code)
        phone.answer(code, questions[TEXT], word)
    assert not any(word in results_page(teacher, run_id) for word in words)
    phone = student()
    phone.join(code)
    phone.answer(code, questions[TEXT], "mango")
    words.append("mango")
    teacher.act(run_id, questions[TEXT], "reveal")
    assert all(word in results_page(teacher, run_id) for word in words)
    presenter = teacher.client.get(f"/runs/{run_id}/present").text
    assert not any(word in presenter for word in words)  # nothing approved yet
    assert not any(word in phone.page(code).text for word in words)


def test_open_answers_are_escaped(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[TEXT], "open")
    payload = '<img src=x onerror="alert(1)">'
    for _ in range(5):
        phone = student()
        phone.join(code)
        phone.answer(code, questions[TEXT], payload)
    page = results_page(teacher, run_id)
    assert payload not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_approved_answers_are_listed_in_random_order(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[TEXT], "open")
    for index in range(10):  # two batches of k
        phone = student()
        phone.join(code)
        phone.answer(code, questions[TEXT], f"antwoord-{index}")
    with app.app_context():
        question = db.session.get(Question, questions[TEXT])
        for queued in answers.moderation_queue(question).answers:
            answers.moderate(question, queued.id, "approved")
        answers.release(question)
        db.session.commit()
        orders = {answers.results(question, "nl").texts for _ in range(20)}
    assert len(orders) > 1
    assert all(sorted(order) == sorted(f"antwoord-{i}" for i in range(10)) for order in orders)
