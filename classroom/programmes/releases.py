"""A programme's frozen figures: the school releases of its lessons, released one level up.

The school-release rule, one level up. Only lessons a participating school released
count: first each accepted school's release of the programme's module is brought up to
date (`polls.answers.refresh_school_release`, with the school's own k), then per poll
key the programme counts the lessons in it that were given for this programme with its
fixed module version, each with the counts of the lesson's own frozen release. Open
text, teachers' own questions and hands up never enter a school release, so never this.

Per key, a release changes only when the lessons not yet counted hold at least the
programme's k answers, come from at least `MIN_NEW_SCHOOLS` schools, and the key then
covers at least `MIN_SCHOOLS` schools. A changed key drops the lessons of schools that
are no longer accepted (a school that left adds to no later release) and adds the new
ones; every other key stays exactly as it was, a left school's lessons included, until
its next release. So any two views of a lead are identical, or differ by the answers
of at least two schools and at least k answers.

The release stores per key {"total", "counts", "schools", "runs": {run id: {"school",
"class", "total", "counts"}}}; the per-lesson figures feed the interval only.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..accounts.models import School
from ..extensions import db
from ..polls.answers import refresh_school_release
from ..polls.answers.school_lessons import ReleasedLesson, released_lessons
from ..reports.services import module_runs
from .models import MIN_NEW_SCHOOLS, MIN_SCHOOLS, Programme, ProgrammeRelease, ProgrammeSchool


def refresh_programme_release(programme: Programme) -> bool:
    """Bring the schools' releases and the programme's up to date; True when anything changed.

    The caller commits when this returns True (a new school or programme release).
    """
    schools = accepted_schools(programme)
    schools_changed = False
    eligible: dict[str, dict[str, ReleasedLesson]] = {}
    for school in schools:
        runs = module_runs(school, programme.module_slug)
        k = max(school.school_min_answers, current_app.config["MIN_ANSWERS_FLOOR"])
        if refresh_school_release(school.id, programme.module_slug, runs, k):
            schools_changed = True
            db.session.flush()
        ours = [
            run
            for run in runs
            if run.programme_id == programme.id and run.module_version == programme.module_version
        ]
        for key, lessons in released_lessons(school.id, programme.module_slug, ours).items():
            eligible.setdefault(key, {}).update({str(lesson.run_id): lesson for lesson in lessons})
    return _release(programme, eligible, {school.id for school in schools}) or schools_changed


def accepted_schools(programme: Programme) -> list[School]:
    """The schools taking part now (they accepted and did not leave), by id."""
    return list(
        db.session.scalars(
            db.select(School)
            .join(ProgrammeSchool, ProgrammeSchool.school_id == School.id)
            .where(
                ProgrammeSchool.programme_id == programme.id,
                ProgrammeSchool.status == "accepted",
            )
            .order_by(School.id)
        )
    )


def _release(
    programme: Programme, eligible: dict[str, dict[str, ReleasedLesson]], accepted: set[int]
) -> bool:
    kept = db.session.get(ProgrammeRelease, programme.id)
    entries: dict[str, Any] = dict(kept.questions) if kept else {}
    changed = False
    for key, lessons in eligible.items():
        entry = entries.get(key)
        counted = entry["runs"] if entry else {}
        new = [lesson for run_id, lesson in lessons.items() if run_id not in counted]
        if sum(lesson.total for lesson in new) < programme.k:
            continue
        if len({lesson.school_id for lesson in new}) < MIN_NEW_SCHOOLS:
            continue
        runs = {run_id: run for run_id, run in counted.items() if run["school"] in accepted}
        runs.update({str(lesson.run_id): _lesson_entry(lesson) for lesson in new})
        if len({run["school"] for run in runs.values()}) < MIN_SCHOOLS:
            continue
        entries[key] = _entry(runs)
        changed = True
    if not changed:
        return False
    if kept is None:
        db.session.add(ProgrammeRelease(programme_id=programme.id, questions=entries))
    else:
        kept.number += 1
        kept.questions = entries
    return True


def _lesson_entry(lesson: ReleasedLesson) -> dict[str, Any]:
    return {
        "school": lesson.school_id,
        "class": lesson.class_id,
        "total": lesson.total,
        "counts": list(lesson.counts),
    }


def _entry(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    lessons = list(runs.values())
    counts = [sum(cells) for cells in zip(*(run["counts"] for run in lessons), strict=True)]
    return {
        "total": sum(run["total"] for run in lessons),
        "counts": counts,
        "schools": sorted({run["school"] for run in lessons}),
        "runs": dict(sorted(runs.items(), key=lambda item: int(item[0]))),
    }
