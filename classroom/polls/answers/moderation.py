"""The teacher's moderation of open answers, which arrive in batches of at least k."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func

from ...extensions import db
from ..models import Question, Response


@dataclass(frozen=True)
class QueuedAnswer:
    """An open answer as the teacher sees it while moderating."""

    id: uuid.UUID
    text: str
    moderation: str
    flagged: bool
    batch: int


@dataclass(frozen=True)
class Queue:
    """The open answers that reached the teacher, and how many wait for a batch."""

    answers: list[QueuedAnswer]
    waiting: int


def moderation_queue(question: Question) -> Queue:
    """Every batched open answer, batch by batch, flagged first, then by random id.

    A new or changed answer waits until at least k others do, so the queue never
    grows by one answer that the teacher could tie to the student who just wrote.
    """
    rows = db.session.execute(
        db.select(Response.id, Response.text, Response.moderation, Response.flagged, Response.batch)
        .where(Response.question_id == question.id, Response.batch.is_not(None))
        .order_by(Response.batch, Response.flagged.desc(), Response.id)
    )
    waiting = db.session.scalar(
        db.select(func.count())
        .select_from(Response)
        .where(Response.question_id == question.id, Response.batch.is_(None))
    )
    return Queue([QueuedAnswer(*row) for row in rows], waiting)


def moderate(question: Question, response_id: uuid.UUID, decision: str) -> bool:
    """Approve or hide one batched open answer; False if there is no such answer."""
    if decision not in ("approved", "hidden") or question.type != "text":
        return False
    response = db.session.get(Response, response_id)
    if response is None or response.question_id != question.id or response.batch is None:
        return False
    response.moderation = decision
    return True
