"""A deactivated staff account's lessons end at once, running or paused.

Coordination deactivates accounts and may not import polls, so it sends
`accounts.signals.account_deactivated`; the receiver here is connected when the
polls package is imported, which every app (CLI included) does.
"""

from __future__ import annotations

from ..accounts.models import User
from ..accounts.signals import account_deactivated
from ..extensions import db
from .models import Run
from .services import end_run


def end_runs_of(teacher: User) -> int:
    """End every run of the teacher that has not ended, running or paused; return how many.

    Each ends through `end_run`: open polls close, what the release rule allows is
    released, and the retention clock starts. A run already past its time limit ends as
    of that limit, as `end_expired_runs` would end it. The caller commits.
    """
    runs = db.session.scalars(
        db.select(Run)
        .where(
            Run.school_id == teacher.school_id,
            Run.teacher_id == teacher.id,
            Run.ended_at.is_(None),
        )
        .options(db.selectinload(Run.questions))
    ).all()
    for run in runs:
        end_run(run, at=run.expires_at if run.is_expired else None)
    return len(runs)


@account_deactivated.connect
def _end_runs_of_deactivated(user: User, **_extra) -> None:
    """In the deactivating caller's transaction: it commits once, for both."""
    end_runs_of(user)
