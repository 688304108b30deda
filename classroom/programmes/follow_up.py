"""A programme's follow-up session: some weeks later, the "before" polls asked again.

Every lesson of the programme that has not ended gets the session (`polls.sessions.
add_follow_up`): lessons started later through the `lesson_started` signal, lessons
already under way when the lead sets the day. A paused lesson then waits until then.
"""

from __future__ import annotations

from datetime import date

from ..extensions import db
from ..polls.models import Run
from ..polls.sessions import add_follow_up
from ..polls.signals import lesson_started
from .models import Programme


def set_follow_up(programme: Programme, on: date) -> int:
    """Set or move the follow-up day; returns how many lessons under way got it. No commit."""
    programme.follow_up_on = on
    runs = db.session.scalars(
        db.select(Run).where(Run.programme_id == programme.id, Run.ended_at.is_(None))
    )
    return sum(add_follow_up(run, on) for run in runs)


@lesson_started.connect
def _follow_up_for_new_lesson(run: Run, **_extra) -> None:
    """In the starting view's transaction: a programme's lesson gets its follow-up."""
    if run.programme_id is None:
        return
    programme = db.session.get(Programme, run.programme_id)
    if programme is not None and programme.follow_up_on is not None:
        add_follow_up(run, programme.follow_up_on)
