"""The programme an assignment is part of, for coordination's pages, which may not import us.

Answers `coordination.signals.assignments_loaded`; connected when the programmes package
is imported, which every app does.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale

from ..catalogue.models import ModuleVersion
from ..coordination.models import Assignment
from ..coordination.signals import assignments_loaded
from ..extensions import db
from .models import Programme


@assignments_loaded.connect
def attach_programme_names(assignments: list[Assignment]) -> None:
    """Give each assignment of a programme that programme's name, with one query for the list.

    An assignment of a programme's own module (a lead's zip) also gets the page to prepare
    and start it (`module_page`) and the module's title (`module_title`): no library or
    school page has that module.
    """
    ids = {assignment.programme_id for assignment in assignments if assignment.programme_id}
    programmes: dict[int, tuple[Programme, bool]] = {}
    if ids:
        rows = db.session.execute(
            db.select(Programme, ModuleVersion.municipality_id.is_not(None))
            .join(ModuleVersion, ModuleVersion.digest == Programme.module_version)
            .where(Programme.id.in_(ids))
        )
        programmes = {programme.id: (programme, own) for programme, own in rows}
    for assignment in assignments:
        programme, own = programmes.get(assignment.programme_id, (None, False))
        assignment.programme_name = programme.name if programme else None
        assignment.module_page = assignment.module_title = None
        if own:
            assignment.module_title = programme.title(str(get_locale()))
            assignment.module_page = url_for(
                "programmes.programme_module",
                programme_id=programme.id,
                assignment=assignment.id,
                **{"class": assignment.class_id},
            )
