"""Who took part in a programme: per invited school, counts of classes and lessons, no results.

Counts only for schools that accepted, or left (then as they stood when the school left:
what it did afterwards is no longer the programme's to see). An invited or declined school
shows its status and zeros. Three queries, whatever the number of schools.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from ..accounts.models import School
from ..coordination.models import Assignment
from ..extensions import db
from ..polls.models import Run
from ..timeutil import as_utc, now_utc
from .models import Programme, ProgrammeSchool

COUNTED_STATUSES = ("accepted", "left")


@dataclass(frozen=True)
class SchoolParticipation:
    """One invited school's line: its answer, and its classes in each state (counts only)."""

    school_id: int
    school_name: str
    status: str
    planned: int  # assignments of the programme with no lesson started yet
    in_lesson: int  # lessons neither paused nor ended
    paused: int  # lessons waiting for their next session
    ended: int


def participation(programme: Programme, school_id: int | None = None) -> list[SchoolParticipation]:
    """Every invited school's line (or only `school_id`'s), by school name."""
    query = (
        db.select(ProgrammeSchool.school_id, School.name, ProgrammeSchool.status,
                  ProgrammeSchool.answered_at)
        .join(School, School.id == ProgrammeSchool.school_id)
        .where(ProgrammeSchool.programme_id == programme.id)
        .order_by(School.name)
    )  # fmt: skip
    if school_id is not None:
        query = query.where(ProgrammeSchool.school_id == school_id)
    schools = db.session.execute(query).all()
    # The moment each counted school's figures stand at: now, or when it left.
    now = now_utc()
    cutoffs = {
        row.school_id: as_utc(row.answered_at) if row.status == "left" and row.answered_at else now
        for row in schools
        if row.status in COUNTED_STATUSES
    }
    lessons = _lesson_states(programme, cutoffs)
    planned = _planned(programme, cutoffs)
    return [
        SchoolParticipation(
            school_id=row.school_id,
            school_name=row.name,
            status=row.status,
            planned=planned[row.school_id],
            in_lesson=lessons[row.school_id, "in_lesson"],
            paused=lessons[row.school_id, "paused"],
            ended=lessons[row.school_id, "ended"],
        )
        for row in schools
    ]


def _lesson_states(programme: Programme, cutoffs: dict[int, datetime]) -> Counter:
    """Per (school id, state) the programme's lessons started before the school's cutoff."""
    counts: Counter = Counter()
    if not cutoffs:
        return counts
    rows = db.session.execute(
        db.select(Run.school_id, Run.created_at, Run.ended_at, Run.paused_at, Run.expires_at).where(
            Run.programme_id == programme.id, Run.school_id.in_(cutoffs)
        )
    )
    for row in rows:
        cutoff = cutoffs[row.school_id]
        if as_utc(row.created_at) > cutoff:
            continue
        counts[row.school_id, _state_at(row, cutoff)] += 1
    return counts


def _state_at(row, moment: datetime) -> str:
    """A lesson's state at a moment: ended (by the teacher or its time limit), paused, or in it.

    A lesson paused then and resumed since reads as in a lesson: a pause leaves no history.
    """
    ended = [as_utc(t) for t in (row.ended_at, row.expires_at) if t is not None]
    if any(t <= moment for t in ended):
        return "ended"
    if row.paused_at is not None and as_utc(row.paused_at) <= moment:
        return "paused"
    return "in_lesson"


def _planned(programme: Programme, cutoffs: dict[int, datetime]) -> Counter:
    """Per school id the programme's assignments made before its cutoff with no lesson by then."""
    counts: Counter = Counter()
    if not cutoffs:
        return counts
    first_lesson = (
        db.select(Run.assignment_id, db.func.min(Run.created_at).label("started_at"))
        .where(Run.programme_id == programme.id, Run.assignment_id.is_not(None))
        .group_by(Run.assignment_id)
        .subquery()
    )
    rows = db.session.execute(
        db.select(Assignment.school_id, Assignment.created_at, first_lesson.c.started_at)
        .outerjoin(first_lesson, first_lesson.c.assignment_id == Assignment.id)
        .where(Assignment.programme_id == programme.id, Assignment.school_id.in_(cutoffs))
    )
    for row in rows:
        cutoff = cutoffs[row.school_id]
        started = row.started_at is not None and as_utc(row.started_at) <= cutoff
        if as_utc(row.created_at) <= cutoff and not started:
            counts[row.school_id] += 1
    return counts
