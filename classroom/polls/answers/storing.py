"""Storing a device's answer and counting answers: the only writes to response rows."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from collections import Counter

from flask import current_app
from sqlalchemy import Insert, case, func, or_
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from .. import words
from ..models import AnswerableQuestion, Question, Response, ResultRelease, Run


class InvalidAnswer(ValueError):
    """An answer that does not fit its question."""


def min_answers(run: Run) -> int:
    """The k of a run: the school's setting when it started, never below the floor."""
    k = run.min_answers if run.min_answers is not None else run.school.min_answers
    return max(k, current_app.config["MIN_ANSWERS_FLOOR"])


def pseudonym(question: Question | AnswerableQuestion, device_token: str) -> str:
    """Keyed hash of run, question and device: stops double counting, links nothing.

    Answers of one device to two questions get unrelated pseudonyms, and without
    the server key a pseudonym cannot be traced back to a device token.
    """
    message = f"{question.run_id}:{question.id}:{device_token}".encode()
    key = _pseudonym_key(current_app.config["SECRET_KEY"])
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


@functools.lru_cache(maxsize=4)
def _pseudonym_key(secret_key: str) -> bytes:
    """The pseudonyms' own key, derived from the app's (once per key, not per answer)."""
    return hmac.new(secret_key.encode(), b"response-pseudonym", hashlib.sha256).digest()


def validate_answer(
    question: Question | AnswerableQuestion, value: int | None, text: str | None
) -> None:
    """Raise InvalidAnswer when the value or text does not fit the question (its kind says)."""
    wording = question.text(question.run_language)
    limit = current_app.config["OPEN_TEXT_MAX_LENGTH"]
    if not question.kind.accepts(value, text, wording, limit):
        raise InvalidAnswer(question.type)


def store_answer(
    question: Question | AnswerableQuestion,
    device_token: str,
    value: int | None = None,
    text: str | None = None,
) -> None:
    """Store a device's answer, replacing its earlier answer to the same question.

    An open text needs the `Question` itself: it is moderated in batches and checked
    against the school's words. Any other type may come as an `AnswerableQuestion`.

    One atomic upsert on (question, pseudonym): a double or concurrent submit
    replaces and never adds. A changed answer gets a new random id (so old and
    new are not linked); it counts for the next release while its value differs
    from the one in the last release (`releases.CHANGED`). The same answer sent
    again changes nothing. The caller commits.
    """
    validate_answer(question, value, text)
    is_text = question.kind.is_text
    text = text.strip() if text else None
    own = pseudonym(question, device_token)
    # Core on the session's connection: the same transaction, without the ORM's
    # per-statement bookkeeping on the busiest write of a lesson.
    connection = db.session.connection()
    if is_text:
        _retract(connection, question, own, text)
    connection.execute(
        _upsert_statement(connection.dialect.name),
        {
            "id": uuid.uuid4(),
            "question_id": question.id,
            "pseudonym": own,
            "value": value,
            "text": text,
            # A new or changed open answer waits for the teacher, in the next batch.
            "moderation": "pending" if is_text else None,
            "flagged": is_text
            and words.is_flagged(text, words.flag_words(question.run.school.flag_words)),
            "released_value": None,
            "batch": None,
            "retracted": False,
        },
    )
    if is_text:
        _form_batch(question)


def _retract(connection, question: Question, own: str, text: str | None) -> None:
    """Set a changed open answer that the teacher already saw aside, unlinked from its writer.

    Deleting it at once would show everyone which text the student who just
    typed had written; it stays where it was until the next batch replaces it.
    """
    connection.execute(
        db.update(Response)
        .where(
            Response.question_id == question.id,
            Response.pseudonym == own,
            Response.batch.is_not(None),
            Response.text.is_distinct_from(text),
        )
        .values(pseudonym=secrets.token_hex(16), retracted=True)
    )


@functools.cache
def _upsert_statement(dialect: str) -> Insert:
    """The answer upsert of a dialect, built once: building it costs more than running it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Response.__table__)
    new, old = statement.excluded, Response.__table__.c
    changed = or_(old.value.is_distinct_from(new.value), old.text.is_distinct_from(new.text))

    def if_changed(column: str):
        return case((changed, new[column]), else_=old[column])

    return statement.on_conflict_do_update(
        index_elements=["question_id", "pseudonym"],
        set_={
            column: if_changed(column)
            for column in ("id", "value", "text", "moderation", "flagged", "batch")
        },
    )


def _form_batch(question: Question) -> None:
    """Hand open answers to the teacher in batches of at least k, never one by one."""
    # One writer at a time per question (PostgreSQL), so no batch gets a late single.
    db.session.execute(db.select(Question.id).where(Question.id == question.id).with_for_update())
    rows = db.session.execute(
        db.select(Response.text, Response.retracted).where(
            Response.question_id == question.id,
            or_(Response.batch.is_(None), Response.retracted.is_(True)),
        )
    ).all()
    # A text changed back to the one the teacher saw changes nothing on any screen: the
    # waiting texts count only beyond those they would replace.
    waiting = Counter(text for text, retracted in rows if not retracted)
    waiting -= Counter(text for text, retracted in rows if retracted)
    if waiting.total() < min_answers(question.run):
        return
    # The texts their writers replaced leave together with the k new ones arriving.
    db.session.execute(
        db.delete(Response).where(Response.question_id == question.id, Response.retracted.is_(True))
    )
    number = db.session.scalar(
        db.select(func.coalesce(func.max(Response.batch), 0)).where(
            Response.question_id == question.id
        )
    )
    db.session.execute(
        db.update(Response)
        .where(Response.question_id == question.id, Response.batch.is_(None))
        .values(batch=number + 1)
    )


def answer_of(question: Question, device_token: str) -> tuple[int | None, str | None] | None:
    """Return this device's own answer (value, text), so it can see and change it."""
    parameters = {"question_id": question.id, "pseudonym": pseudonym(question, device_token)}
    # On the session's connection as Core: a phone's page loads no objects.
    row = db.session.connection().execute(_ANSWER_OF, parameters).first()
    return (row.value, row.text) if row else None


# Built once: every phone's question page asks for its own answer.
_ANSWER_OF = db.select(Response.value, Response.text).where(
    Response.question_id == db.bindparam("question_id"),
    Response.pseudonym == db.bindparam("pseudonym"),
)


def count_answers(question: Question) -> int:
    """How many devices answered the question."""
    if question.run.purged_at is not None:
        kept = db.session.get(ResultRelease, question.id)
        return kept.total if kept else 0
    return db.session.scalar(
        db.select(func.count())
        .select_from(Response)
        .where(Response.question_id == question.id, Response.retracted.is_(False))
    )


def count_answers_at(run: Run, position: int) -> tuple[int, int]:
    """Answers to the run's question at this position, and how many reached the teacher."""
    row = db.session.execute(COUNT_AT, {"run_id": run.id, "position": position}).one()
    return row[0], row[1]


# Built once: the projector asks for this count every few seconds (here and in
# `classroom.fastpath`, which runs it as it stands: answers and batched answers
# of the question at `position` of run `run_id`).
COUNT_AT = (
    db.select(func.count(), func.count(Response.batch))
    .select_from(Response)
    .join(Question, Question.id == Response.question_id)
    .where(
        Question.run_id == db.bindparam("run_id"),
        Question.position == db.bindparam("position"),
        Response.retracted.is_(False),
    )
)


def count_answers_per_question(run: Run) -> dict[int, int]:
    """Answer counts for every question of a run, in one query."""
    if run.purged_at is not None:
        kept = db.session.execute(
            db.select(ResultRelease.question_id, ResultRelease.total)
            .join(Question, Question.id == ResultRelease.question_id)
            .where(Question.run_id == run.id)
        )
        return dict(kept.all())
    rows = db.session.execute(
        db.select(Response.question_id, func.count())
        .join(Question, Question.id == Response.question_id)
        .where(Question.run_id == run.id, Response.retracted.is_(False))
        .group_by(Response.question_id)
    )
    return dict(rows.all())
