"""Turning counted answers into figures, and figures into what a page shows.

A release stores figures without words (counts per option, hidden cells, the
mean, approved texts); `Results` puts the question's words back in the reader's
language. What a kind counts is its own rule (`QuestionType.figures`); which
cells to hide is the one rule here. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..models import Question

# On a sensitive poll no reader may work out that 1 or 2 chose an option: the floor
# that `hidden_cells` keeps small cells under.
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
    figures = question.kind.figures(
        values,
        total,
        question.text(question.run.language),
        correct=question.correct,
        counted_by=question.counted_by,
    )
    figures["hidden"] = sorted(_hidden(question, figures["counts"]))
    if figures["hidden"]:
        # A mean, average places or a median would give the hidden cells away.
        for figure in ("mean", "places", "median"):
            figures.pop(figure, None)
    return figures


def _hidden(question: Question, counts: list[int]) -> set[int]:
    """On a sensitive poll: the cells `hidden_cells` withholds under the floor of 3."""
    if not question.sensitive:
        return set()
    return hidden_cells(counts, SENSITIVE_FLOOR, several=question.kind.several)


def hidden_cells(counts: Sequence[int], floor: int, *, several: bool = False) -> set[int]:
    """The cells to show as "not shown", so no reader can tell a count from 1 to floor - 1.

    The reader is assumed to see the number of answers T, every shown count, which
    cells are hidden, and to know this rule. `several` is for multiple choice: one
    answer may tick several cells, so the counts need not add up to T. With L the
    cells below the floor (zeros too), m of them, and s their sum:

    1. Where the counts add up to T and T = (floor - 1)(n - 1) + 1 for n cells
       (9 on a 5-point scale, floor 3), T is also what n small cells make (1, 2, 2, 2, 2),
       and nothing else at that T hides every cell by steps 2 to 4. So a result
       with s = (floor - 1)(m - 1) (one cell of exactly the floor, the others
       small) hides every cell too: "only T shown" never proves every cell small.
    2. No cell from 1 to floor - 1: every cell is shown.
    3. s <= (floor - 1)(m - 1): exactly L is hidden. Every hidden cell could then be
       0, its answers spread over the other hidden cells, and the result would read
       the same.
    4. Otherwise every cell is hidden: only T is shown.

    Safe because each hidden cell has, among the results that read the same, one
    where it is 0 or at least the floor; `tests/test_small_cells.py` checks this for
    every result of a class, and why each step is needed is in its docstring.
    """
    size = len(counts)
    low = [i for i, count in enumerate(counts) if count < floor]
    low_sum = sum(counts[i] for i in low)
    room = (floor - 1) * (len(low) - 1)
    every = set(range(size))
    if not several and sum(counts) == (floor - 1) * (size - 1) + 1 and low_sum == room:
        return every
    if not any(counts[i] for i in low):
        return set()
    if low_sum <= room:
        return set(low)
    return every


def results_from(question: Question, total: int, figures: dict[str, Any], language: str) -> Results:
    """Put the question's words in the language back around released figures."""
    wording = question.text(language)
    kind = question.kind
    if kind.is_text:
        return Results(total=total, options=[], texts=tuple(figures.get("texts", ())))
    labels = kind.cell_labels(wording)
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
        # A sensitive poll keeps the right and the wrong ones from the floor, as a cell.
        percents = [option.percent for option in options]
        correct = kind.right_percent(
            percents, figures, total, question.correct,
            sensitive=question.sensitive, floor=SENSITIVE_FLOOR,
        )  # fmt: skip
    return Results(
        total=total,
        options=options,
        mean=figures.get("mean"),
        ranks=ranks,
        median=figures.get("median"),
        answer=kind.real_figure(wording),
        correct_percent=correct,
        sensitive=question.sensitive,
    )
