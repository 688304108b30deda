"""The lessons a school release counts, each with its own released figures.

For figures one level above the school (a municipality's programme): they count only
lessons the school already released, with exactly the counts of each lesson's own
frozen release. Nothing here is shown as it is; the caller aggregates and suppresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...extensions import db
from ..models import Run, SchoolRelease
from .school import released_results, school_questions


@dataclass(frozen=True)
class ReleasedLesson:
    """One ended lesson in a school release: its class and one question's released counts."""

    run_id: int
    school_id: int
    class_id: int
    total: int
    counts: tuple[int, ...]


def released_lessons(school_id: int, slug: str, runs: list[Run]) -> dict[str, list[ReleasedLesson]]:
    """Per question key: those of `runs` the school's release of the module counts.

    Only questions that enter school results (no open text, no teacher's own question, no
    hands up), and only lessons whose question has released figures.
    """
    kept = db.session.get(SchoolRelease, (school_id, slug))
    if kept is None:
        return {}
    counted = {key: set(entry["runs"]) for key, entry in kept.questions.items()}
    questions = [
        question
        for question in school_questions([run for run in runs if run.school_id == school_id])
        if question.run_id in counted.get(question.key, ())
    ]
    released = released_results(questions)
    found: dict[str, list[ReleasedLesson]] = {}
    for question in questions:
        release = released.get(question.id)
        if release is None:
            continue
        found.setdefault(question.key, []).append(
            ReleasedLesson(
                run_id=question.run_id,
                school_id=school_id,
                class_id=question.run.class_id,
                total=release.total,
                counts=tuple(release.results["counts"]),
            )
        )
    return found
