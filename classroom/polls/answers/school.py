"""School-wide figures of a module, released in steps that span classes.

Only ended lessons count, and only their released results. A question's school
figures change only when lessons of at least two more classes, with at least
the school's k answers between them, have ended since the previous school
release; until then the previous figures stay. So no two downloads, before and
after one class's lesson, differ by one class's answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...extensions import db
from ..models import Question, ResultRelease, Run, SchoolRelease
from .figures import hidden_cells

MIN_CLASSES = 2


@dataclass(frozen=True)
class SchoolFigure:
    """One option across the school's classes; count and percent are None when suppressed."""

    label: str
    count: int | None
    percent: int | None


@dataclass(frozen=True)
class SchoolQuestion:
    """A module question aggregated over the school's runs, suppression applied."""

    key: str
    type: str
    question: str
    compare_to: str | None
    runs: int
    total: int
    shown: bool
    options: list[SchoolFigure]
    mean: float | None
    # How many of the counted runs were counted by hand (paper slips).
    hand_counted: int = 0


@dataclass(frozen=True)
class SchoolComparison:
    """A pre/post pair across the school; figures only when both sides are fully shown."""

    pre: SchoolQuestion
    post: SchoolQuestion
    complete: bool
    mean_change: float | None = None
    share_changes: tuple[tuple[str, int, int], ...] = ()


def school_questions(runs: list[Run]) -> list[Question]:
    """The runs' questions that school figures count: no open text, own question or hands."""
    return [
        q
        for run in runs
        for q in run.questions
        # Hands up is not anonymous: those counts never enter school results.
        if q.kind.in_school_results and not q.added_by_teacher and q.counted_by != "hands"
    ]


def released_results(questions: list[Question]) -> dict[int, ResultRelease]:
    """The frozen results of those questions that have them, by question id."""
    return {
        kept.question_id: kept
        for kept in db.session.scalars(
            db.select(ResultRelease).where(
                ResultRelease.question_id.in_([q.id for q in questions]),
                ResultRelease.results.is_not(None),
            )
        )
    }


def refresh_school_release(school_id: int, slug: str, runs: list[Run], k: int) -> bool:
    """Make a new school release of the module where enough ended lessons came in.

    `runs` are all the school's runs of the module; the caller commits when this
    returns True (a new release was made).
    """
    ended = [run for run in runs if run.is_ended]
    questions = school_questions(ended)
    released = released_results(questions)
    kept = db.session.get(SchoolRelease, (school_id, slug))
    entries: dict[str, Any] = dict(kept.questions) if kept else {}
    changed = False
    for key in dict.fromkeys(q.key for q in questions):
        entry = entries.get(key)
        counted = set(entry["runs"]) if entry else set()
        new = [
            (q.run, released[q.id])
            for q in questions
            if q.key == key and q.id in released and q.run.id not in counted
        ]
        added = sum(release.total for _run, release in new)
        if len({run.class_id for run, _release in new}) < MIN_CLASSES or added < k:
            continue
        entries[key] = _merged(entry, new)
        changed = True
    if not changed:
        return False
    if kept is None:
        db.session.add(SchoolRelease(school_id=school_id, module_slug=slug, questions=entries))
    else:
        kept.number += 1
        kept.questions = entries
    return True


def _merged(entry: dict[str, Any] | None, new: list[tuple[Run, ResultRelease]]) -> dict[str, Any]:
    counts = list(entry["counts"]) if entry else []
    for _run, release in new:
        added = release.results["counts"]
        counts = [a + b for a, b in zip(counts, added, strict=True)] if counts else list(added)
    return {
        "runs": sorted({*(entry["runs"] if entry else ()), *(run.id for run, _ in new)}),
        "total": (entry["total"] if entry else 0) + sum(release.total for _run, release in new),
        "counts": counts,
    }


def school_results(slug_runs: list[Run], school_id: int, slug: str, k: int, language: str):
    """The module's released school figures, every option below k suppressed.

    Options below the school's k are hidden together with the empty ones, or every
    option where even that would let one be worked out (`hidden_cells`, with k as
    its floor); the mean shows only when nothing is hidden. Open texts never leave
    their run.
    """
    questions = school_questions(slug_runs)
    if not questions:
        return []
    kept = db.session.get(SchoolRelease, (school_id, slug))
    entries = kept.questions if kept else {}
    samples: dict[str, Question] = {}
    by_hand: dict[str, set[int]] = {}
    for question in sorted(questions, key=lambda q: q.position):
        samples.setdefault(question.key, question)
        if question.counted_by == "hand":
            by_hand.setdefault(question.key, set()).add(question.run_id)
    return [
        _school_question(sample, entries.get(key), k, language, by_hand.get(key, set()))
        for key, sample in samples.items()
    ]


def _school_question(
    sample: Question, entry, k: int, language: str, by_hand: set[int]
) -> SchoolQuestion:
    wording = sample.text(language)
    kind = sample.kind
    labels = kind.school_labels(wording)
    total = entry["total"] if entry else 0
    counts = entry["counts"] if entry and len(entry["counts"]) == len(labels) else [0] * len(labels)
    hidden = hidden_cells(counts, k, several=kind.several)
    shown = entry is not None and total >= k
    options = [
        SchoolFigure(label, None, None)
        if not shown or i in hidden
        else SchoolFigure(label, counts[i], round(100 * counts[i] / total))
        for i, label in enumerate(labels)
    ]
    mean = None
    if shown and not hidden:
        mean = kind.mean(counts, total)
    return SchoolQuestion(
        key=sample.key,
        type=sample.type,
        question=wording["question"],
        compare_to=sample.compare_to,
        runs=len(entry["runs"]) if entry else 0,
        total=total,
        shown=shown,
        options=options,
        mean=mean,
        hand_counted=len(by_hand & set(entry["runs"])) if entry else 0,
    )


def school_comparisons(results: list[SchoolQuestion]) -> list[SchoolComparison]:
    """Pre/post comparisons for every pair; without figures where a side is suppressed."""
    by_key = {result.key: result for result in results}
    comparisons = []
    for post in results:
        pre = by_key.get(post.compare_to or "")
        if pre is None:
            continue
        complete = all(
            side.shown and all(o.count is not None for o in side.options) for side in (pre, post)
        )
        if not complete:
            comparisons.append(SchoolComparison(pre, post, complete=False))
            continue
        mean_change = None
        if post.mean is not None and pre.mean is not None:
            mean_change = post.mean - pre.mean
        changes = tuple(
            (before.label, before.percent, after.percent)
            for before, after in zip(pre.options, post.options, strict=True)
        )
        comparisons.append(SchoolComparison(pre, post, True, mean_change, changes))
    return comparisons
