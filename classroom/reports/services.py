"""What the school's reports are made of: runs of this school year, cells and values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..accounts.models import School
from ..coordination.models import SchoolClass
from ..coordination.services import assignments_of, school_year_start
from ..extensions import db
from ..polls.models import Run
from ..timeutil import now_utc


def runs_this_year(school: School, today: date) -> list[Run]:
    """The school's runs since the start of the school year."""
    start = datetime.combine(school_year_start(today), datetime.min.time(), now_utc().tzinfo)
    return list(
        db.session.scalars(
            db.select(Run).where(Run.school_id == school.id, Run.created_at >= start)
        )
    )


@dataclass(frozen=True)
class Cell:
    """The state of one module for one class in the overview."""

    status: str  # one of vocabulary.OVERVIEW_STATUSES
    due_on: date | None = None
    runs: int = 0
    # Runs with results counted by hand (paper slips or hands up).
    hand_counted: int = 0


def overview(school: School, classes: list[SchoolClass], slugs: list[str], today: date):
    """The class-by-module matrix of assignment and run states for this school year."""
    runs = runs_this_year(school, today)
    assignments = assignments_of(school)
    cells: dict[tuple[int, str], Cell] = {}
    for school_class in classes:
        for slug in slugs:
            cells[(school_class.id, slug)] = _cell(school_class, slug, runs, assignments, today)
    return cells


def _cell(school_class, slug, runs, assignments, today) -> Cell:
    own = [r for r in runs if r.class_id == school_class.id and r.module_slug == slug]
    planned = [a for a in assignments if a.class_id == school_class.id and a.module_slug == slug]
    if planned:
        latest = max(planned, key=lambda a: (a.done_at is None, a.due_on))
        status = latest.status(today)
        if status not in ("done", "paused") and any(not r.is_ended for r in own):
            status = "running"
        return Cell(status, latest.due_on, len(own), _by_hand(own))
    if own:
        return Cell("own-choice", None, len(own), _by_hand(own))
    return Cell("")


def _by_hand(runs: list[Run]) -> int:
    return sum(1 for run in runs if run.counted_by_hand)


def values_covered(classes: list[SchoolClass], runs: list[Run], values_of: dict[str, tuple]):
    """Per class: the citizenship values of the modules it did (an ended run) this year."""
    covered: dict[int, dict[str, list[str]]] = {c.id: {} for c in classes}
    for run in runs:
        if run.class_id not in covered or not run.is_ended:
            continue
        for value in values_of.get(run.module_slug, ()):
            covered[run.class_id].setdefault(value, [])
            if run.module_slug not in covered[run.class_id][value]:
                covered[run.class_id][value].append(run.module_slug)
    return covered


def module_runs(school: School, slug: str) -> list[Run]:
    """Every run of a module in the school, with its questions, in two queries."""
    return list(
        db.session.scalars(
            db.select(Run)
            .where(Run.school_id == school.id, Run.module_slug == slug)
            .options(db.selectinload(Run.questions))
        )
    )


def runs_per_module(school: School) -> dict[str, int]:
    """How many runs of each module the school has given."""
    return dict(
        db.session.execute(
            db.select(Run.module_slug, db.func.count())
            .where(Run.school_id == school.id)
            .group_by(Run.module_slug)
        ).all()
    )
