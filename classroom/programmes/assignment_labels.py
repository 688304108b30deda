"""The programme an assignment is part of, for coordination's pages, which may not import us.

Answers `coordination.signals.assignments_loaded`; connected when the programmes package
is imported, which every app does.
"""

from __future__ import annotations

from ..coordination.models import Assignment
from ..coordination.signals import assignments_loaded
from ..extensions import db
from .models import Programme


@assignments_loaded.connect
def attach_programme_names(assignments: list[Assignment]) -> None:
    """Give each assignment of a programme that programme's name, with one query for the list."""
    ids = {assignment.programme_id for assignment in assignments if assignment.programme_id}
    names: dict[int, str] = {}
    if ids:
        names = dict(
            db.session.execute(
                db.select(Programme.id, Programme.name).where(Programme.id.in_(ids))
            ).all()
        )
    for assignment in assignments:
        assignment.programme_name = names.get(assignment.programme_id)
