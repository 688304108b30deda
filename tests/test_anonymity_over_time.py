"""Anonymity over time: any two things one person can see, at any two moments, are
identical or differ by at least k answers.

The differencing harness plays the attacker: after every single answer it asks for
results (the teacher's "show results", or reveal on the projector) and reads every
view. Whenever what a view shows changes, at least k answers must have been added or
changed since it last changed.
"""

import ast
import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import REAL_LESSONS_DIR, Staff, run_info

from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question, Response, Run
from classroom.timeutil import now_utc

SCALE, SINGLE, MULTIPLE, TEXT, SCALE_POST, RANKING, ESTIMATE = range(7)
K = 5
# A block may carry more classes after its kind ("bars dense": an estimate's ten bins).
RESULT_BLOCKS = re.compile(
    r'<(ul|ol|table|p) class="(bars|ranking|open-answers|word-cloud|table comparison|'
    r'correct-share|estimate|middle|moderation)(?: [^"]*)?"[^>]*>(.*?)</\1>',
    re.S,
)


def fingerprint(html: str) -> tuple:
    """What a page shows of results: every result block, list items sorted (random order)."""
    blocks = []
    found = RESULT_BLOCKS.findall(html)
    # Every bar chart is read: a class the pattern misses would leave the harness blind.
    assert html.count('<ul class="bars') == sum(kind == "bars" for _t, kind, _b in found)
    for _tag, kind, body in found:
        items = re.findall(r"<li[^>]*>(.*?)</li>", body, re.S) or [body]
        blocks.append((kind, tuple(sorted(visible_text(item) for item in items))))
    based_on = re.findall(r"Op basis van \d+ antwoorden?", html)
    return tuple(sorted(blocks)) + tuple(based_on)


def visible_text(html: str) -> str:
    """The words a person reads: no buttons' forms (their CSRF tokens), no tags."""
    html = re.sub(r"<form.*?</form>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def csv_fingerprint(text: str) -> tuple:
    """The figures of a CSV export; a row with only an answer count shows nothing of what."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))[1:]
    assert all(len(row) == 10 for row in rows)  # the export's columns, read as Excel reads them
    return tuple(sorted(tuple(row) for row in rows if any(row[2:7])))


class Harness:
    """Reads every view after every step and checks the rule on each of them."""

    def __init__(self, views, k=K):
        self.views = views
        self.k = k
        self.last = {name: read() for name, read in views.items()}
        self.changed_since = dict.fromkeys(views, 0)
        self.changes_seen = dict.fromkeys(views, 0)

    def answered(self, number=1):
        """Count answers added or changed by the students since each view last changed."""
        for name in self.changed_since:
            self.changed_since[name] += number

    def look(self):
        for name, read in self.views.items():
            now = read()
            # Showing nothing (an open poll, a hidden result) gives nothing away.
            if now and now != self.last[name]:
                assert self.changed_since[name] >= self.k, (
                    f"{name} changed after only {self.changed_since[name]} answers"
                )
                self.changed_since[name] = 0
                self.changes_seen[name] += 1
                self.last[name] = now


def run_views(teacher, run_id, code, viewer):
    return {
        "teacher screen": lambda: fingerprint(teacher.client.get(f"/runs/{run_id}").text),
        "projector": lambda: fingerprint(teacher.client.get(f"/runs/{run_id}/present").text),
        "summary": lambda: fingerprint(teacher.client.get(f"/runs/{run_id}/summary").text),
        "summary csv": lambda: csv_fingerprint(
            teacher.client.get(f"/runs/{run_id}/summary.csv").text
        ),
        "student screen": lambda: fingerprint(viewer.page(code).text),
    }


def joined(student, code, count):
    phones = [student() for _ in range(count)]
    for phone in phones:
        assert phone.join(code).status_code == 302
    return phones


@pytest.mark.parametrize(
    ("index", "values", "changed"),
    [
        (SINGLE, ["0", "1", "2"], "2"),
        (SCALE, ["1", "3", "5", "4"], "2"),
        (MULTIPLE, [["0"], ["1", "2"], ["3"]], ["0", "3"]),
        (RANKING, [{"place_0": "1", "place_1": "2", "place_2": "3"}], None),
        (ESTIMATE, ["10", "45", "80"], "99"),
    ],
)
def test_no_view_of_a_run_ever_changes_by_fewer_than_k_answers(
    app, live_run, student, index, values, changed
):
    teacher, run_id, code, questions = live_run
    question = questions[index]
    viewer = joined(student, code, 1)[0]
    harness = Harness(run_views(teacher, run_id, code, viewer))
    phones = joined(student, code, 2 * K + 1)
    teacher.act(run_id, question, "open")

    def send(phone, value):
        if isinstance(value, dict):
            response = phone.client.post(f"/live/{code}/questions/{question}", data=value)
        else:
            response = phone.answer(code, question, value)
        assert response.status_code == 303, response.text[:300]
        harness.answered()

    for number, phone in enumerate(phones, start=1):  # k-1, k, k+1 ... 2k+1
        send(phone, values[number % len(values)])
        teacher.act(run_id, question, "release")
        harness.look()
        if number in (K - 1, K, K + 1):  # the class tries too: reveal, reopen
            teacher.act(run_id, question, "reveal")
            harness.look()
            teacher.act(run_id, question, "open")
            harness.look()
    other = changed or {"place_0": "3", "place_1": "2", "place_2": "1"}
    send(phones[0], other)  # one student changes an answer
    teacher.act(run_id, question, "reveal")
    harness.look()
    teacher.act(run_id, question, "open")  # reopen, and release again
    send(phones[1], other)
    teacher.act(run_id, question, "reveal")
    harness.look()
    teacher.act(run_id, question, "open")
    for phone in phones[2 : 2 + K]:
        send(phone, other)
    teacher.act(run_id, question, "reveal")
    harness.look()
    # The views did move on: first results at k, then at least one later release.
    assert harness.changes_seen["projector"] >= 2
    assert harness.changes_seen["teacher screen"] >= 2


def approve_everything(app, teacher, run_id, question):
    """The most eager teacher: approves whatever reached the queue at once."""
    with app.app_context():
        queued = answers.moderation_queue(db.session.get(Question, question)).answers
    for entry in queued:
        if entry.moderation == "pending":
            url = f"/runs/{run_id}/questions/{question}/answers/{entry.id}/approve"
            assert teacher.client.post(url).status_code == 303


def result_pages(teacher, run_id, phone, code):
    """The pages that show a run's results: projector, teacher screen, summary, a phone."""
    return {
        "projector": teacher.client.get(f"/runs/{run_id}/present").text,
        "teacher": teacher.client.get(f"/runs/{run_id}").text,
        "summary": teacher.client.get(f"/runs/{run_id}/summary").text,
        "student": phone.page(code).text,
    }


def test_open_answers_reach_teacher_and_class_in_batches_of_k(app, live_run, student):
    teacher, run_id, code, questions = live_run
    question = questions[TEXT]
    viewer = joined(student, code, 1)[0]
    harness = Harness(run_views(teacher, run_id, code, viewer))
    phones = joined(student, code, 2 * K + 1)
    teacher.act(run_id, question, "open")
    teacher.act(run_id, question, "reveal")
    teacher.act(run_id, question, "open")

    for number, phone in enumerate(phones, start=1):
        assert phone.answer(code, question, f"woord{number}").status_code == 303
        harness.answered()
        approve_everything(app, teacher, run_id, question)
        teacher.act(run_id, question, "reveal")
        harness.look()
        teacher.act(run_id, question, "open")
    assert phones[0].answer(code, question, "anders").status_code == 303
    harness.answered()
    approve_everything(app, teacher, run_id, question)
    teacher.act(run_id, question, "reveal")
    harness.look()
    assert harness.changes_seen["teacher screen"] == 2  # two batches of k, no single one


def test_a_changed_open_text_is_a_new_row_and_the_old_one_is_gone(app, live_run, student):
    teacher, run_id, code, questions = live_run
    (phone,) = joined(student, code, 1)
    teacher.act(run_id, questions[TEXT], "open")
    phone.answer(code, questions[TEXT], "eerste tekst")
    with app.app_context():
        (first,) = db.session.execute(db.select(Response.id, Response.text)).all()
    phone.answer(code, questions[TEXT], "tweede tekst")
    with app.app_context():
        rows = db.session.execute(db.select(Response.id, Response.text)).all()
    assert len(rows) == 1
    assert rows[0].text == "tweede tekst" and rows[0].id != first.id
    # The same text sent again is no change: same row, no new place in the queue.
    phone.answer(code, questions[TEXT], "tweede tekst")
    with app.app_context():
        assert db.session.execute(db.select(Response.id)).scalar_one() == rows[0].id


def test_school_figures_change_only_by_k_answers_from_two_classes(
    app, coordinator, make_user, make_class, student
):
    """Lessons end one class at a time; the coordinator downloads after every one."""
    school_id = coordinator.user["school_id"]
    school_k = 10

    def school_views():
        return {
            "results page": lambda: fingerprint_school(
                coordinator.client.get("/school/results/sample").text
            ),
            "results csv": lambda: csv_fingerprint_school(
                coordinator.client.get("/school/results/sample.csv").text
            ),
        }

    def give(class_number, answers_given):
        user = make_user("teacher", school_id=school_id)
        teacher = Staff(app.test_client(), user)
        teacher.login()
        class_id = make_class(school_id, [user["id"]], name=f"Klas {class_number}")
        run_id = teacher.start_run(class_id)
        code, questions = run_info(app, run_id)
        phones = joined(student, code, len(answers_given))
        teacher.act(run_id, questions[SINGLE], "open")
        for phone, value in zip(phones, answers_given, strict=True):
            assert phone.answer(code, questions[SINGLE], value).status_code == 303
        teacher.act(run_id, questions[SINGLE], "reveal")
        return teacher, run_id

    given = [give(n, ["0", "1", "1", "2", "1", "0"][: 5 + n % 2]) for n in range(7)]
    harness = Harness(school_views(), k=school_k)
    classes_since = 0
    for teacher, run_id in given:
        assert teacher.client.post(f"/runs/{run_id}/end").status_code == 303
        with app.app_context():
            ended = db.session.get(Run, run_id)
            harness.answered(answers.count_answers(ended.questions[SINGLE]))
        classes_since += 1
        before = dict(harness.changes_seen)
        harness.look()
        if harness.changes_seen != before:
            assert classes_since >= 2  # never one class's figures on their own
            classes_since = 0
    assert harness.changes_seen["results csv"] >= 2


def fingerprint_school(html: str) -> tuple:
    tables = re.findall(r'<table class="table">(.*?)</table>', html, re.S)
    counts = re.findall(r"\d+ antwoorden? · van \d+ klass?en?", html)
    return tuple(tables) + tuple(counts)


def csv_fingerprint_school(text: str) -> tuple:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert all(len(row) == 10 for row in rows)
    return tuple(sorted(tuple(row.values()) for row in rows))


def test_a_running_lesson_never_counts_for_the_school(app, coordinator, live_run, student):
    teacher, run_id, code, questions = live_run
    phones = joined(student, code, 12)
    teacher.act(run_id, questions[SINGLE], "open")
    for phone in phones:
        phone.answer(code, questions[SINGLE], "1")
    teacher.act(run_id, questions[SINGLE], "reveal")
    page = coordinator.client.get("/school/results/sample").text
    assert "Groen" not in page.split("Welke kleur")[1].split("</section>")[0] or "–" in page
    table = coordinator.client.get("/school/results/sample.csv").text
    assert ",12," not in table


def make_sensitive(app, question_id):
    with app.app_context():
        db.session.get(Question, question_id).sensitive = True
        db.session.commit()


SMALL_NUMBER = re.compile(r"(?<![\d,.])[12](?![\d,.%])")


def test_a_sensitive_poll_never_shows_a_one_or_a_two(app, live_run, student):
    teacher, run_id, code, questions = live_run
    question = questions[SINGLE]
    make_sensitive(app, question)
    phones = joined(student, code, 8)
    teacher.act(run_id, question, "open")
    # Rood 1, Groen 2, Blauw 5: with Blauw shown, 8 - 5 = 3 over two hidden cells would
    # make both 1 or 2, so only the total is shown.
    for phone, value in zip(phones, ["0", "1", "1", "2", "2", "2", "2", "2"], strict=True):
        assert phone.answer(code, question, value).status_code == 303
    teacher.act(run_id, question, "reveal")
    with app.app_context():
        result = answers.results(db.session.get(Question, question), "nl")
        assert [o.count for o in result.options] == [None, None, None]
        assert result.total == 8
        assert result.any_hidden and result.correct_percent is None
    pages = result_pages(teacher, run_id, phones[0], code)
    for name, page in pages.items():
        bars = re.search(r'<ul class="bars".*?</ul>', page, re.S)[0]
        shown = re.findall(r'<span class="bar-value">(.*?)</span>\s*</li>', bars, re.S)
        assert len(shown) == 3, name
        assert all("niet getoond" in value for value in shown), name
        assert not SMALL_NUMBER.search(re.sub(r"<[^>]+>", " ", bars)), name
    text = teacher.client.get(f"/runs/{run_id}/summary.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    figures = [[*row[3:5], row[-1]] for row in rows if row[0] == "colour"]
    assert figures == [["", "", "niet getoond"]] * 3
    state = teacher.client.get(f"/runs/{run_id}/state").get_json()
    assert set(state) == {"version", "answers", "joined", "open"}  # counts only, no figures


def test_a_single_small_group_on_a_sensitive_poll_hides_the_empty_cells_too(app, live_run, student):
    teacher, run_id, code, questions = live_run
    question = questions[SCALE]
    make_sensitive(app, question)
    phones = joined(student, code, 9)
    teacher.act(run_id, question, "open")
    # 1 at point 1, 3 at point 4, 5 at point 5: 9 - 3 - 5 = 1 would give point 1 away if
    # the empty points 2 and 3 read 0; hidden with it, any of the three could hold the 1.
    for phone, value in zip(phones, ["1", "4", "4", "4", "5", "5", "5", "5", "5"], strict=True):
        phone.answer(code, question, value)
    teacher.act(run_id, question, "reveal")
    with app.app_context():
        result = answers.results(db.session.get(Question, question), "nl")
    assert [o.count for o in result.options] == [None, None, None, 3, 5]
    assert result.mean is None  # the mean would give the hidden cells away


def test_the_projector_shows_only_a_count_while_the_poll_is_open(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phones = joined(student, code, 7)
    teacher.act(run_id, questions[SINGLE], "open")
    for phone in phones:
        phone.answer(code, questions[SINGLE], "1")
    for url in (f"/runs/{run_id}/present", f"/runs/{run_id}"):
        page = teacher.client.get(url).text
        assert 'class="bars"' not in page and "%" not in page.split("Welke kleur")[1][:2000]
        assert ">7</span> antwoorden" in page


def test_a_lesson_refuses_phones_beyond_the_class_size_plus_two(app, teacher, student):
    response = teacher.client.post(
        "/runs/",
        data={"module": "sample", "school_class": teacher.class_id, "language": "nl",
              "class_size": "3"},
    )  # fmt: skip
    run_id = int(re.search(r"/runs/(\d+)/present", response.location)[1])
    code, _questions = run_info(app, run_id)
    phones = joined(student, code, 5)
    late = student()
    refused = late.join(code)
    assert refused.status_code == 403
    assert "Deze les is vol. Vraag het je docent." in refused.text
    assert phones[0].join(code).status_code == 302  # a phone that joined may come back
    projector = teacher.client.get(f"/runs/{run_id}/present").text
    assert re.search(r"5</span>\s*van de 3 leerlingen doen mee", projector)
    assert teacher.client.post(f"/runs/{run_id}/join-limit", data={"limit": "0"}).status_code == 303
    assert late.join(code).status_code == 403
    teacher.client.post(f"/runs/{run_id}/join-limit", data={"limit": "6"})
    assert late.join(code).status_code == 302
    with app.app_context():
        run = db.session.get(Run, run_id)
        assert (run.joined, run.join_limit, run.class_size) == (6, 6, 3)
        assert run.school_class.size is None  # the lesson's size never changes the class


def test_the_coordinator_sets_the_class_size(app, coordinator, teacher, student):
    response = coordinator.client.post(
        f"/school/classes/{teacher.class_id}",
        data={"name": "3 HAVO B", "level": "havo", "year": "3", "size": "2",
              "teachers": teacher.user["id"]},
    )  # fmt: skip
    assert response.status_code == 303, response.text[:300]
    run_id = teacher.start_run(teacher.class_id, class_size=None)
    code, _questions = run_info(app, run_id)
    joined(student, code, 4)
    assert student().join(code).status_code == 403
    bad = coordinator.client.post(
        f"/school/classes/{teacher.class_id}",
        data={"name": "3 HAVO B", "level": "havo", "year": "3", "size": "-4"},
    )
    assert bad.status_code == 400


def test_a_lesson_left_running_ends_by_itself(app, live_run, student, runner):
    teacher, run_id, code, questions = live_run
    (phone,) = joined(student, code, 1)
    teacher.act(run_id, questions[SINGLE], "open")
    assert phone.answer(code, questions[SINGLE], "1").status_code == 303
    with app.app_context():
        run = db.session.get(Run, run_id)
        run.created_at = now_utc() - timedelta(hours=13)
        run.expires_at = now_utc() - timedelta(hours=1)
        db.session.commit()
    for response in (
        student().join(code),
        phone.page(code),
        phone.client.get(f"/live/{code}/state"),
        phone.answer(code, questions[SINGLE], "2"),
    ):
        assert response.status_code == 410
        if response.mimetype == "text/html":
            assert "Deze les is afgelopen" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(Response.value)) == 1  # the late answer changed nothing
    result = runner.invoke(args=["purge"])
    assert "Ended 1 lesson(s) left running." in result.output
    with app.app_context():
        run = db.session.get(Run, run_id)
        assert run.ended_at is not None and run.purged_at is None  # retention starts now
        run.expires_at = run.ended_at = now_utc() - timedelta(days=31)
        db.session.commit()
    result = runner.invoke(args=["purge"])
    assert "Purged the answers of 1 lesson(s)." in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0


def test_nothing_outside_the_answers_package_touches_answer_rows():
    package = Path(__file__).resolve().parent.parent / "classroom"
    owners = {package / "polls" / "answers", package / "polls" / "models.py"}
    owned = {"Response", "ResultRelease", "SchoolRelease"}
    sql = re.compile(r"\b(from|into|update|join|table)\s+(response|result_release)\b", re.I)
    offenders = []
    for path in package.rglob("*.py"):
        if any(path == owner or owner in path.parents for owner in owners):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("models"):
                names = {alias.name for alias in node.names}
                if names & owned and "polls" in f"{path.parent.name}.{node.module}":
                    offenders.append(f"{path}: imports {names & owned}")
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and sql.search(node.value):
                offenders.append(f"{path}: SQL on answer rows")
    assert offenders == []


def test_deleted_answers_leave_nothing_in_the_sqlite_files(tmp_path):
    from conftest import make_test_app

    from classroom.accounts.models import School

    path = tmp_path / "klas.sqlite"
    app = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    marker = "geheim-antwoord-0123456789"
    with app.app_context():
        db.create_all()
        assert db.session.execute(db.text("PRAGMA secure_delete")).scalar() == 1
        db.session.add_all([School(name=marker), School(name="blijft")])
        db.session.commit()
        answers.forget_deleted()  # the row is in the database file itself now
        db.session.execute(db.delete(School).where(School.name == marker))
        db.session.commit()
        answers.forget_deleted()
        files = [p for p in tmp_path.iterdir() if p.name.startswith("klas.sqlite")]
        assert all(marker.encode() not in p.read_bytes() for p in files)
        assert {p.stat().st_mode & 0o777 for p in files} == {0o600}
        db.engine.dispose()


@pytest.mark.parametrize("lessons_dir", [REAL_LESSONS_DIR])
def test_a_run_copies_which_polls_are_sensitive(app, teacher, lessons_dir):
    from classroom.lessons.content import get_library

    run_id = teacher.start_run(teacher.class_id, module="jihad")
    with app.app_context():
        module = get_library().get("jihad")
        marked = {poll.key for poll in module.text("nl").polls if poll.sensitive}
        run = db.session.get(Run, run_id)
        assert marked and {q.key for q in run.questions if q.sensitive} == marked


def test_postgresql_keeps_a_closed_questions_rows_in_pseudonym_order(app, live_run, student):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("runs on the PostgreSQL pass of the suite (SQLite keeps no rowid)")
    teacher, run_id, code, questions = live_run
    phones = joined(student, code, 12)
    teacher.act(run_id, questions[SINGLE], "open")
    for number, phone in enumerate(phones):
        assert phone.answer(code, questions[SINGLE], str(number % 3)).status_code == 303

    def physical_order():
        with app.app_context():
            return list(
                db.session.execute(
                    db.text("SELECT pseudonym FROM response WHERE question_id = :q ORDER BY ctid"),
                    {"q": questions[SINGLE]},
                ).scalars()
            )

    arrived = physical_order()
    assert arrived != sorted(arrived)  # stored one after the other, as they came in
    teacher.act(run_id, questions[SINGLE], "close")
    stored = physical_order()
    assert stored == sorted(stored) and sorted(stored) == sorted(arrived)
