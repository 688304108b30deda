"""A lesson over several sessions: where it breaks, what the next session opens with.

A module marks a phase with `session_ends`; the flow then puts a recap step after it
(see `flow.steps`). Each resume starts the next session with its own count of phones.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask import current_app

from ..extensions import db
from . import flow, services
from .models import Question, Run

if TYPE_CHECKING:
    from ..accounts.models import User

# The recap shows at most this many results, side by side: it must fit the wall.
RECAP_MOST = 2


def recap_questions(run: Run, phase_key: str) -> list[Question]:
    """What the class saw of the session that ended with `phase_key`, for the recap step.

    Only results the class was shown (revealed); questions that a later one compares to
    come first, since the next session asks them again.
    """
    keys = [phase["key"] for phase in run.phases.get(run.language, [])] if run.phases else []
    earlier = set(keys[: keys.index(phase_key) + 1]) if phase_key in keys else {phase_key}
    shown = [q for q in run.questions if q.phase in earlier and q.revealed]
    asked_again = {q.compare_to for q in run.questions if q.compare_to}
    shown.sort(key=lambda q: (q.key not in asked_again, q.position))
    return shown[:RECAP_MOST]


def latest_next_session(paused_on: date) -> date:
    """The last day a paused lesson can go on: after that it ends by itself."""
    return paused_on + timedelta(days=current_app.config["RUN_PAUSED_MAX_DAYS"])


def resume(run: Run) -> None:
    """Go on with a paused run as its next session.

    Phones are counted anew (the limit holds per session; a phone of an earlier session
    is counted again once, see `student.tokens`), and a session that the module breaks
    off opens with its recap.
    """
    services.resume_run(run)
    run.session_number = (run.session_number or 1) + 1
    run.joined = 0
    run.next_session_on = None
    if flow.at_session_end(run):
        flow.move(run, 1)


def paused_runs(teacher: User, slug: str, class_id: int | None = None) -> list[Run]:
    """The teacher's lessons of a module that wait for their next session, newest first."""
    query = db.select(Run).where(
        Run.teacher_id == teacher.id,
        Run.module_slug == slug,
        Run.paused_at.is_not(None),
        Run.ended_at.is_(None),
    )
    if class_id is not None:
        query = query.where(Run.class_id == class_id)
    return [run for run in db.session.scalars(query.order_by(Run.id.desc())) if run.is_paused]
