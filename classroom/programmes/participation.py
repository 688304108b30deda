"""Who took part in a programme: per invited school, counts of classes and lessons, no results.

Counts only for schools that accepted, or left (then as they stood when the school left,
kept in `ProgrammeSchool.left_counts`: what it did afterwards is no longer the programme's
to see). An invited or declined school shows its status and zeros. Three queries, whatever
the number of schools.
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

LESSON_STATES = ("in_lesson", "paused", "ended")


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
                  ProgrammeSchool.left_counts)
        .join(School, School.id == ProgrammeSchool.school_id)
        .where(ProgrammeSchool.programme_id == programme.id)
        .order_by(School.name)
    )  # fmt: skip
    if school_id is not None:
        query = query.where(ProgrammeSchool.school_id == school_id)
    schools = db.session.execute(query).all()
    taking_part = {row.school_id for row in schools if row.status == "accepted"}
    lessons = _lesson_states(programme, taking_part)
    planned = _planned(programme, taking_part)
    counted = {
        row.school_id: {
            "planned": planned[row.school_id],
            **{state: lessons[row.school_id, state] for state in LESSON_STATES},
        }
        for row in schools
    }
    return [
        SchoolParticipation(
            row.school_id, row.name, row.status, **(row.left_counts or counted[row.school_id])
        )
        for row in schools
    ]


def counts_now(programme: Programme, school_id: int) -> dict[str, int]:
    """The school's counts as they stand now, to keep when it leaves."""
    (line,) = participation(programme, school_id)
    return {field: getattr(line, field) for field in ("planned", *LESSON_STATES)}


def _lesson_states(programme: Programme, school_ids: set[int]) -> Counter:
    """Per (school id, state) the programme's lessons of these schools, as they stand now."""
    counts: Counter = Counter()
    if not school_ids:
        return counts
    now = now_utc()
    rows = db.session.execute(
        db.select(Run.school_id, Run.ended_at, Run.paused_at, Run.expires_at).where(
            Run.programme_id == programme.id, Run.school_id.in_(school_ids)
        )
    )
    for row in rows:
        counts[row.school_id, _state_at(row, now)] += 1
    return counts


def _state_at(row, moment: datetime) -> str:
    """A lesson's state at a moment: ended (by the teacher or its time limit), paused, or in it."""
    ended = [as_utc(t) for t in (row.ended_at, row.expires_at) if t is not None]
    if any(t <= moment for t in ended):
        return "ended"
    if row.paused_at is not None and as_utc(row.paused_at) <= moment:
        return "paused"
    return "in_lesson"


def _planned(programme: Programme, school_ids: set[int]) -> Counter:
    """Per school id the programme's assignments of these schools with no lesson started."""
    counts: Counter = Counter()
    if not school_ids:
        return counts
    started = db.select(Run.id).where(
        Run.programme_id == programme.id, Run.assignment_id == Assignment.id
    )
    rows = db.session.execute(
        db.select(Assignment.school_id, db.func.count())
        .where(
            Assignment.programme_id == programme.id,
            Assignment.school_id.in_(school_ids),
            ~started.exists(),
        )
        .group_by(Assignment.school_id)
    )
    counts.update(dict(rows.all()))
    return counts
