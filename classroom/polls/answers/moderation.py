"""The teacher's moderation of open answers, which arrive in batches of at least k."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func

from ...extensions import db
from ...vocabulary import MODERATION_DECISIONS
from .. import words
from ..models import Question, Response

# What `moderate` did: "done", "unknown" (no such answer) or "confirm" (a flagged
# answer's approval came without the teacher's second step; nothing changed).
Outcome = Literal["done", "unknown", "confirm"]


@dataclass(frozen=True)
class QueuedAnswer:
    """An open answer as the teacher sees it while moderating."""

    id: uuid.UUID
    text: str
    moderation: str
    flagged: bool
    batch: int
    # Why it is flagged (a flagged answer only; None when no list matches it any more).
    flag: words.Flag | None = None

    @property
    def may_be_disclosure(self) -> bool:
        """Whether a word in it may tell of self-harm, abuse or someone being hurt."""
        return self.flag is not None and self.flag.kind == "distress"


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
    school_words = question.run.school.flag_words
    queued = [
        QueuedAnswer(*row, flag=words.flag_of(row.text, school_words) if row.flagged else None)
        for row in rows
    ]
    return Queue(queued, waiting)


def moderate(
    question: Question, response_id: uuid.UUID, decision: str, *, confirmed: bool = False
) -> Outcome:
    """Approve or hide one batched open answer.

    A flagged answer is approved only with `confirmed`: the teacher read why it was
    flagged and chose to approve it anyway, never in one tap or key.
    """
    if decision not in MODERATION_DECISIONS or not question.kind.is_text:
        return "unknown"
    response = db.session.get(Response, response_id)
    if response is None or response.question_id != question.id or response.batch is None:
        return "unknown"
    if decision == "approved" and response.flagged and not confirmed:
        return "confirm"
    response.moderation = decision
    return "done"
