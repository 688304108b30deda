"""On PostgreSQL a phone's steps send few statements, and no BEGIN and COMMIT around them.

Each statement, BEGIN and COMMIT is a round trip to the database server. The join,
the live pages and an answer with options consist of reads and single-statement
writes, which `extensions.statements_commit_alone` lets commit on their own; an open
text, whose writes (set aside the old text, store the new, form a batch under a lock)
must hold together, still gets its transaction. The live page reads the run once per
worker until it changes (`classroom.state_cache`). SQLite keeps its transactions and
reads: it is in the worker's own process, where they cost little.
"""

import pytest
from conftest import DATABASE_URL
from sqlalchemy import event

from classroom.extensions import db

needs_postgresql = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"),
    reason="BEGIN and COMMIT cost round trips on PostgreSQL only: run with TEST_DATABASE_URL",
)


@pytest.fixture
def statements(app):
    """Every statement sent, with whether its connection was in autocommit mode."""
    sent: list[tuple[str, bool]] = []

    def record(connection, _cursor, statement, *_args):
        autocommit = connection.connection.driver_connection.autocommit
        sent.append((statement.split()[0].upper(), autocommit))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


@needs_postgresql
def test_a_phones_steps_commit_statement_by_statement(app, live_run, student, statements):
    teacher, run_id, code, questions = live_run
    phone = student()
    steps = {}
    statements.clear()
    assert phone.join(code).status_code == 302
    steps["join"] = list(statements)
    statements.clear()
    assert phone.page(code).status_code == 200
    steps["waiting page"] = list(statements)
    assert teacher.act(run_id, questions[0], "open").status_code == 303  # a scale
    statements.clear()
    assert phone.page(code).status_code == 200
    steps["question page"] = list(statements)
    statements.clear()
    assert phone.answer(code, questions[0], "3").status_code == 303
    steps["answer"] = list(statements)
    statements.clear()
    assert phone.page(code).status_code == 200
    steps["page after answering"] = list(statements)
    assert steps == {
        "join": [("SELECT", True), ("UPDATE", True)],
        "waiting page": [("SELECT", True)],  # the run, kept until it changes
        "question page": [("SELECT", True), ("SELECT", True)],  # the run changed; the answer
        "answer": [("SELECT", True), ("INSERT", True)],  # reads the run itself
        "page after answering": [("SELECT", True)],  # the phone's own answer only
    }
    other = student()
    other.join(code)
    statements.clear()
    assert other.page(code).status_code == 200
    assert statements == [("SELECT", True)]  # the phone's own answer; the run was kept


@needs_postgresql
def test_an_open_text_is_stored_in_one_transaction(app, live_run, student, statements):
    teacher, run_id, code, questions = live_run
    text_question = questions[3]
    assert teacher.act(run_id, text_question, "open").status_code == 303
    phone = student()
    phone.join(code)
    statements.clear()
    assert phone.answer(code, text_question, "Ik denk van wel").status_code == 303
    read, *writes = statements
    assert read == ("SELECT", True)  # the question and its run, as for any answer
    assert writes
    assert all(not autocommit for _kind, autocommit in writes), writes
    assert "INSERT" in [kind for kind, _autocommit in writes]
