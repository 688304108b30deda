"""The lessons given for an assignment, for coordination's pages, which may not import polls.

The receivers here answer `coordination.signals`; they are connected when the polls
package is imported, which every app (CLI included) does.
"""

from __future__ import annotations

from ..coordination.models import Assignment
from ..coordination.signals import assignment_deleted, assignments_loaded
from ..extensions import db
from .models import Run


@assignments_loaded.connect
def attach_paused_runs(assignments: list[Assignment]) -> None:
    """Give each assignment its paused lesson, if any, with one query for all of them."""
    ids = [assignment.id for assignment in assignments]
    paused: dict[int, Run] = {}
    if ids:
        runs = db.session.scalars(
            db.select(Run)
            .where(
                Run.assignment_id.in_(ids),
                Run.paused_at.is_not(None),
                Run.ended_at.is_(None),
            )
            .order_by(Run.id)
        )
        for run in runs:
            if run.is_paused:
                paused.setdefault(run.assignment_id, run)
    for assignment in assignments:
        assignment.paused_run = paused.get(assignment.id)


@assignment_deleted.connect
def unlink_runs(assignment: Assignment) -> None:
    """Keep the lessons given for a deleted assignment, no longer linked to it."""
    db.session.execute(
        db.update(Run).where(Run.assignment_id == assignment.id).values(assignment_id=None)
    )
