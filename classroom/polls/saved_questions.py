"""Own questions a teacher keeps for their next classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..extensions import db
from .models import SavedQuestion

if TYPE_CHECKING:
    from ..accounts.models import User

MAX_SAVED = 50


def saved_questions(teacher: User, language: str) -> list[SavedQuestion]:
    """The teacher's saved questions in the language of a run, newest first."""
    return list(
        db.session.scalars(
            db.select(SavedQuestion)
            .where(SavedQuestion.teacher_id == teacher.id, SavedQuestion.language == language)
            .order_by(SavedQuestion.created_at.desc(), SavedQuestion.id.desc())
        )
    )


def save_question(
    teacher: User, language: str, kind: str, content: dict[str, Any], correct: int | None
) -> bool:
    """Keep a question for the teacher; False when they already keep as many as allowed.

    The same question saved again stays one saved question.
    """
    kept = db.session.scalars(
        db.select(SavedQuestion).where(SavedQuestion.teacher_id == teacher.id)
    ).all()
    if any(
        (q.language, q.type, q.content, q.correct) == (language, kind, content, correct)
        for q in kept
    ):
        return True
    if len(kept) >= MAX_SAVED:
        return False
    db.session.add(
        SavedQuestion(
            teacher_id=teacher.id, language=language, type=kind, content=content, correct=correct
        )
    )
    return True


def own_saved_question(teacher: User, saved_id: int) -> SavedQuestion | None:
    """One of the teacher's saved questions, or None for anybody else's."""
    saved = db.session.get(SavedQuestion, saved_id)
    return saved if saved is not None and saved.teacher_id == teacher.id else None
