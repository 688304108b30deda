"""What a programme lead sees of the answers: programme figures in groups, and what moved.

Everything comes from the programme's frozen release (`releases`), never from a school,
a class or a lesson as such. A scale's five points are reported as three groups
(towards one end, the middle, towards the other), a choice as one group per option.
A question shows only with at least k answers from at least `MIN_SCHOOLS` schools;
groups below k are hidden by the small-cell rule (`hidden_cells`), and a scale's mean
shows only when no single point is below k. Open text never appears: its kind is not
in school results.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from ..catalogue.store import module_of_version
from ..extensions import db
from ..lessons.content import Poll
from ..polls.answers.figures import hidden_cells
from ..polls.sessions import FOLLOW_UP, later_key
from ..questions import QuestionType, question_type
from ..timeutil import as_utc
from .models import MIN_SCHOOLS, Programme, ProgrammeRelease
from .shift import Shift, measure_shift, option_groups, scale_groups


@dataclass(frozen=True)
class ProgrammeFigure:
    """One reported group across the programme; count and percent are None when hidden."""

    label: str
    count: int | None
    percent: int | None


@dataclass(frozen=True)
class ProgrammeQuestion:
    """A poll of the programme's module over its released lessons, suppression applied."""

    key: str
    type: str
    question: str
    compare_to: str | None
    total: int  # answers counted (0 while not shown)
    schools: int  # schools whose lessons are counted
    classes: int  # classes whose lessons are counted
    shown: bool
    figures: list[ProgrammeFigure]
    mean: float | None
    # Asked again in the follow-up session, some weeks after the lesson.
    later: bool = False


@dataclass(frozen=True)
class ProgrammeComparison:
    """A pre/post pair; `shift` (with its interval) only when both sides show every group."""

    pre: ProgrammeQuestion
    post: ProgrammeQuestion
    shift: Shift | None
    group_labels: list[str]


@dataclass(frozen=True)
class ReleaseSummary:
    """What a page says of the release: "release N of <date>, from X schools and Y classes"."""

    number: int
    released_at: datetime
    schools: int
    classes: int
    k: int


def release_summary(programme: Programme) -> ReleaseSummary | None:
    """The programme's current release in numbers; None before the first."""
    kept = _release(programme)
    if kept is None:
        return None
    runs = [run for entry in kept.questions.values() for run in entry["runs"].values()]
    return ReleaseSummary(
        number=kept.number,
        released_at=as_utc(kept.released_at),
        schools=len({run["school"] for run in runs}),
        classes=len({run["class"] for run in runs}),
        k=programme.k,
    )


def report_groups(kind: QuestionType, width: int) -> list[list[int]]:
    """The cells each reported group holds: a scale's low end, middle and high end; else each."""
    # A kind worded with two ends is a scale: its groups are named after those ends.
    if "scale" in kind.wording_fields:
        return scale_groups(width)
    return option_groups(width)


def programme_results(programme: Programme, language: str) -> list[ProgrammeQuestion]:
    """Every poll of the programme's module that school results count, from its release.

    Worded in the language of the programme's fixed module version (else Dutch).
    """
    module = module_of_version(programme.module_version)
    if module is None:
        return []
    text = module.text(language)
    kept = _release(programme)
    entries = kept.questions if kept else {}
    polls = [poll for poll in text.polls if poll.kind.in_school_results]
    if programme.follow_up_on is not None:
        compared = {poll.compare_to for poll in polls if poll.compare_to}
        polls += [
            replace(poll, key=later_key(poll.key), phase=FOLLOW_UP, compare_to=poll.key)
            for poll in polls
            if poll.key in compared
        ]
    with force_locale(text.language):
        return [_question(poll, entries.get(poll.key), programme.k) for poll in polls]


def _question(poll: Poll, entry: dict[str, Any] | None, k: int) -> ProgrammeQuestion:
    kind = poll.kind
    wording = poll.as_content()
    labels, groups = _labels_and_groups(kind, wording)
    runs = list(entry["runs"].values()) if entry else []
    schools = len({run["school"] for run in runs})
    shown = entry is not None and entry["total"] >= k and schools >= MIN_SCHOOLS
    figures = [ProgrammeFigure(label, None, None) for label in labels]
    mean = None
    total = entry["total"] if shown else 0
    if shown:
        counts = entry["counts"]
        grouped = [sum(counts[i] for i in group) for group in groups]
        hidden = hidden_cells(grouped, k, several=kind.several)
        figures = [
            ProgrammeFigure(label, None, None)
            if i in hidden
            else ProgrammeFigure(label, grouped[i], round(100 * grouped[i] / total))
            for i, label in enumerate(labels)
        ]
        if not hidden_cells(counts, k, several=kind.several):
            mean = kind.mean(counts, total)
    return ProgrammeQuestion(
        key=poll.key,
        type=poll.type,
        question=poll.question,
        compare_to=poll.compare_to,
        total=total,
        schools=schools if shown else 0,
        classes=len({run["class"] for run in runs}) if shown else 0,
        shown=shown,
        figures=figures,
        mean=mean,
        later=poll.phase == FOLLOW_UP,
    )


def _labels_and_groups(kind: QuestionType, wording: dict[str, Any]):
    cells = kind.school_labels(wording)
    groups = report_groups(kind, len(cells))
    if "scale" not in kind.wording_fields:
        return cells, groups
    low, high = wording["scale"]
    return [_group_label(group, len(cells), low, high) for group in groups], groups


def _group_label(group: Sequence[int], width: int, low: str, high: str) -> str:
    """A group named by its points and the end it leans to: 4-5 towards the agreeing end."""
    points = f"{group[0] + 1}–{group[-1] + 1}" if len(group) > 1 else str(group[0] + 1)
    if group[-1] < (width - 1) / 2:
        return _("%(points)s: towards “%(end)s”", points=points, end=low)
    if group[0] > (width - 1) / 2:
        return _("%(points)s: towards “%(end)s”", points=points, end=high)
    return _("%(points)s: in the middle", points=points)


def programme_comparisons(
    programme: Programme, results: list[ProgrammeQuestion]
) -> list[ProgrammeComparison]:
    """Every pre/post pair, with the shift and its 95 % interval over classes where allowed.

    The shift needs both sides shown with no group hidden, and one answer per student
    (a scale or one choice; multiple choice gets none). Its mean only where both means show.
    """
    by_key = {result.key: result for result in results}
    kept = _release(programme)
    comparisons = []
    for post in results:
        pre = by_key.get(post.compare_to or "")
        if pre is None:
            continue
        kind = question_type(post.type)
        labels = [figure.label for figure in post.figures]
        shift = None
        complete = all(
            side.shown and all(figure.count is not None for figure in side.figures)
            for side in (pre, post)
        )
        if complete and not kind.several and kept is not None:
            shift = _shift(kind, kept.questions[pre.key], kept.questions[post.key], pre, post)
        comparisons.append(ProgrammeComparison(pre, post, shift, labels))
    return comparisons


def _shift(kind: QuestionType, before, after, pre, post) -> Shift | None:
    width = len(before["counts"])
    if len(after["counts"]) != width:
        return None
    classes: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for side, entry in enumerate((before, after)):
        for run in entry["runs"].values():
            pair = classes.setdefault((run["school"], run["class"]), ([0] * width, [0] * width))
            pair[side][:] = [a + b for a, b in zip(pair[side], run["counts"], strict=True)]
    groups = report_groups(kind, width)
    with_mean = pre.mean is not None and post.mean is not None
    return measure_shift(
        groups,
        [classes[key] for key in sorted(classes)],
        scale_points=width if with_mean else None,
        seed=_seed(before, after),
    )


def _seed(before: dict[str, Any], after: dict[str, Any]) -> int:
    """A seed that changes only with the lessons released (never with the raw counts)."""
    lessons = json.dumps([sorted(before["runs"]), sorted(after["runs"])])
    return int.from_bytes(hashlib.sha256(lessons.encode()).digest()[:8], "big")


def _release(programme: Programme) -> ProgrammeRelease | None:
    return db.session.get(ProgrammeRelease, programme.id)
