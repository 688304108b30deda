"""How long raw answers live, and that nothing stored keeps the order they arrived in."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from ...extensions import db
from ...timeutil import now_utc
from ..models import Question, Response, ResultRelease, Run
from .releases import release

# Copy a question's rows aside, delete them, put them back in pseudonym order.
_SEAL = [
    text(statement)
    for statement in (
        "CREATE TEMPORARY TABLE sealed_response ON COMMIT DROP AS "
        "SELECT * FROM response WHERE question_id = :question_id",
        "DELETE FROM response WHERE question_id = :question_id",
        "INSERT INTO response SELECT * FROM sealed_response ORDER BY pseudonym",
        "DROP TABLE sealed_response",
    )
]


def seal(question: Question) -> None:
    """Rewrite a closed question's rows in pseudonym order (PostgreSQL).

    PostgreSQL stores new rows one after the other, so the table (and a dump of
    it) would keep the order of arrival. After the rewrite, in one transaction,
    the live rows lie in the order of their keyed hashes; the old row versions
    are dead and go with the next VACUUM. SQLite stores the table by its random
    key (no rowid), so there is nothing to do.
    """
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    parameters = {"question_id": question.id}
    for statement in _SEAL:
        connection.execute(statement, parameters)


def purge_run(run: Run) -> None:
    """Keep only an ended run's releases, without open texts, and delete its raw answers."""
    for question in run.questions:
        release(question)
        kept = db.session.get(ResultRelease, question.id)
        if kept is not None and question.kind.is_text and kept.results is not None:
            kept.results = {"texts": []}
        if kept is None:
            total = db.session.scalar(
                db.select(db.func.count())
                .select_from(Response)
                .where(Response.question_id == question.id)
            )
            db.session.add(ResultRelease(question_id=question.id, number=0, total=total))
    db.session.flush()
    db.session.execute(
        db.delete(Response).where(Response.question_id.in_([q.id for q in run.questions]))
    )
    run.purged_at = now_utc()


def runs_to_purge(now: datetime) -> list[Run]:
    """Ended (or expired), not yet purged runs whose school's retention period has passed."""
    candidates = db.session.scalars(
        db.select(Run).where(
            Run.purged_at.is_(None), (Run.ended_at.is_not(None)) | (Run.expires_at.is_not(None))
        )
    )
    return [
        run
        for run in candidates
        if run.end_time is not None
        and run.end_time + timedelta(days=run.school.retention_days) <= now
    ]


def delete_run_answers(run: Run) -> None:
    """Delete every answer and release of a run (before the run itself is deleted)."""
    question_ids = [q.id for q in run.questions]
    if question_ids:
        db.session.execute(db.delete(Response).where(Response.question_id.in_(question_ids)))
        db.session.execute(
            db.delete(ResultRelease).where(ResultRelease.question_id.in_(question_ids))
        )


def forget_deleted() -> None:
    """After a delete is committed: leave no deleted answer readable in SQLite's log.

    `secure_delete` (set on every connection) overwrites freed pages; a
    checkpoint that truncates the write-ahead log removes the old page copies.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
