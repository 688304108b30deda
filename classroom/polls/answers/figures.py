"""Turning counted answers into figures, and figures into what a page shows.

A release stores figures without words (counts per option, hidden cells, the
mean, approved texts); `Results` puts the question's words back in the reader's
language. Nothing here touches the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..models import SCALE_POINTS, Question
from .storing import chosen_indexes, decode_ranking

ESTIMATE_BINS = 10
# On a sensitive poll a count below this is shown as "fewer than 3".
SENSITIVE_FLOOR = 3


@dataclass(frozen=True)
class OptionResult:
    """How many chose one option (or one point of a scale); None when it is hidden."""

    label: str
    count: int | None
    percent: int | None

    @property
    def hidden(self) -> bool:
        """Whether the figure is withheld (a small group on a sensitive poll)."""
        return self.count is None


@dataclass(frozen=True)
class Results:
    """The released results of one question, only ever built from at least k answers."""

    total: int
    options: list[OptionResult]
    mean: float | None = None
    texts: tuple[str, ...] = ()
    # ranking: (option, average place) from first to last.
    ranks: tuple[tuple[str, float], ...] = ()
    # estimate: the middle answer, and the real figure from the module.
    median: float | None = None
    answer: float | None = None
    # questions with a right answer: the share that chose it.
    correct_percent: int | None = None
    sensitive: bool = False

    @property
    def any_hidden(self) -> bool:
        """Whether a figure is withheld, so sums and means are too."""
        return any(option.hidden for option in self.options)


def tally(question: Question, values: Iterable[tuple[int, int]], total: int) -> dict[str, Any]:
    """Figures of a choice, scale, ranking or estimate question from (value, count) pairs."""
    values = list(values)
    figures: dict[str, Any] = {}
    if question.type == "ranking":
        size = question.option_count
        place_sums, first = [0] * size, [0] * size
        for value, count in values:
            order = decode_ranking(value, size) or []
            for place, index in enumerate(order):
                place_sums[index] += (place + 1) * count
            if order:
                first[order[0]] += count
        figures["counts"] = first
        figures["places"] = [place_sum / total for place_sum in place_sums]
    elif question.type == "estimate":
        low, high = question.text(question.run.language)["range"]
        width = (high - low) / ESTIMATE_BINS
        counts = [0] * ESTIMATE_BINS
        every: list[int] = []
        for value, count in values:
            counts[min(int((value - low) / width), ESTIMATE_BINS - 1)] += count
            every += [value] * count
        every.sort()
        middle = len(every) // 2
        figures["counts"] = counts
        figures["median"] = (
            every[middle] if len(every) % 2 else (every[middle - 1] + every[middle]) / 2
        )
    else:
        size = SCALE_POINTS if question.type == "scale" else question.option_count
        counts = [0] * size
        for value, count in values:
            if question.type == "scale":
                indexes = [value - 1]
            else:
                indexes = chosen_indexes(question.type, value, size)
            for index in indexes:
                counts[index] += count
        figures["counts"] = counts
        if question.type == "scale":
            figures["mean"] = sum((i + 1) * c for i, c in enumerate(counts)) / total
    figures["hidden"] = sorted(_hidden(question, figures["counts"]))
    if figures["hidden"]:
        figures.pop("mean", None)
    return figures


def _hidden(question: Question, counts: list[int]) -> set[int]:
    """On a sensitive poll: counts of 1 or 2, plus one more where subtraction would tell."""
    if not question.sensitive:
        return set()
    hidden = {i for i, count in enumerate(counts) if 0 < count < SENSITIVE_FLOOR}
    if len(hidden) == 1 and question.type != "multiple":
        others = [i for i, count in enumerate(counts) if i not in hidden and count > 0]
        if others:
            hidden.add(min(others, key=lambda i: counts[i]))
    return hidden


def results_from(question: Question, total: int, figures: dict[str, Any], language: str) -> Results:
    """Put the question's words in the language back around released figures."""
    wording = question.text(language)
    if question.type == "text":
        return Results(total=total, options=[], texts=tuple(figures.get("texts", ())))
    labels = option_labels(question, language)
    counts = figures.get("counts", [])
    hidden = set(figures.get("hidden", ()))
    options = [
        OptionResult(label, None, None)
        if i in hidden
        else OptionResult(label, counts[i], round(100 * counts[i] / total) if total else 0)
        for i, label in enumerate(labels)
    ]
    ranks = ()
    if "places" in figures:
        ranks = tuple(sorted(zip(labels, figures["places"], strict=True), key=lambda r: r[1]))
    correct = None
    if question.correct is not None and question.correct < len(options):
        correct = options[question.correct].percent
    return Results(
        total=total,
        options=options,
        mean=figures.get("mean"),
        ranks=ranks,
        median=figures.get("median"),
        answer=wording.get("answer") if question.type == "estimate" else None,
        correct_percent=correct,
        sensitive=question.sensitive,
    )


def option_labels(question: Question, language: str) -> list[str]:
    """The words of each counted cell: options, scale points or estimate ranges."""
    wording = question.text(language)
    if question.type == "scale":
        return [str(point) for point in range(1, SCALE_POINTS + 1)]
    if question.type == "estimate":
        low, high = wording["range"]
        width = (high - low) / ESTIMATE_BINS
        unit = wording.get("unit") or ""
        # Answers are whole numbers: bins read 60-69 and 70-79, not 60-70 and 70-80.
        edges = [math.ceil(low + i * width) for i in range(ESTIMATE_BINS)] + [high + 1]
        return [
            f"{edges[i]}{unit}"
            if edges[i + 1] - 1 <= edges[i]
            else f"{edges[i]}–{edges[i + 1] - 1}{unit}"
            for i in range(ESTIMATE_BINS)
        ]
    return list(wording.get("options", []))
