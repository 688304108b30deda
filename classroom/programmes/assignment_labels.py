"""The programme an assignment is part of, for coordination's pages, which may not import us.

Answers `coordination.signals.assignments_loaded`; connected when the programmes package
is imported, which every app does.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale

from ..coordination.models import Assignment
from ..coordination.signals import assignments_loaded
from ..extensions import db
from .models import READS_MODULE, Programme, ProgrammeSchool


@assignments_loaded.connect
def attach_programme_names(assignments: list[Assignment]) -> None:
    """Give each assignment of a programme that programme's name, with one query for the list.

    While its school takes part, it also gets the page to prepare and start it
    (`module_page`) and the module's title (`module_title`), both at the version the
    programme fixed: the library's page shows the library's current text, and no library
    or school page has a lead's own module.
    """
    ids = {assignment.programme_id for assignment in assignments if assignment.programme_id}
    programmes: dict[tuple[int, int], tuple[Programme, bool]] = {}
    if ids:
        schools = {assignment.school_id for assignment in assignments}
        rows = db.session.execute(
            db.select(Programme, ProgrammeSchool.school_id, ProgrammeSchool.status)
            .join(ProgrammeSchool, ProgrammeSchool.programme_id == Programme.id)
            .where(Programme.id.in_(ids), ProgrammeSchool.school_id.in_(schools))
        )
        programmes = {
            (programme.id, school_id): (programme, status in READS_MODULE)
            for programme, school_id, status in rows
        }
    for assignment in assignments:
        key = (assignment.programme_id, assignment.school_id)
        programme, reads_module = programmes.get(key, (None, False))
        assignment.programme_name = programme.name if programme else None
        assignment.module_page = assignment.module_title = None
        if reads_module:
            assignment.module_title = programme.title(str(get_locale()))
            assignment.module_page = url_for(
                "programmes.programme_module",
                programme_id=programme.id,
                assignment=assignment.id,
                **{"class": assignment.class_id},
            )
