"""Scale questions: one point of five, between two labelled ends."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from .base import (
    QuestionType,
    Stored,
    TallyError,
    Wording,
    checked_counts,
    count_fields,
    counts_of,
    one_choice_field,
)

SCALE_POINTS = 5


class Scale(QuestionType):
    """A point from 1 to 5; results show the share of each point and the average."""

    name = "scale"
    label = _l("Scale of 1 to 5")
    template = "questions/scale.html"
    wording_fields = ("scale",)
    own_fields = ("low", "high")
    in_grid = True
    in_school_results = True

    def option_count(self, wording: Wording) -> int:
        """The points of the scale count as options."""
        return SCALE_POINTS

    def cell_labels(self, wording: Wording) -> list[str]:
        """The points, 1 to 5."""
        return [str(point) for point in range(1, SCALE_POINTS + 1)]

    def grid_cells(self, wording: Wording) -> list[tuple[str, str]]:
        """The points, the ends with their labels."""
        words = [""] * SCALE_POINTS
        words[0], words[-1] = wording["scale"][0], wording["scale"][1]
        return [(str(point + 1), words[point]) for point in range(SCALE_POINTS)]

    def school_labels(self, wording: Wording) -> list[str]:
        """The points, the ends with their labels: "1 · never", "2"… "5 · always"."""
        labels = self.cell_labels(wording)
        low, high = wording["scale"]
        labels[0], labels[-1] = f"{labels[0]} · {low}", f"{labels[-1]} · {high}"
        return labels

    def answer_fields(self, wording: Wording, text_limit: int) -> dict[str, Any]:
        """Radio buttons for the points, the ends with their labels."""
        low, high = wording["scale"]
        choices = [
            SelectChoice(point, _phone_label(point, low, high))
            for point in range(1, SCALE_POINTS + 1)
        ]
        return one_choice_field(wording["question"], choices)

    def accepts_value(self, value: int, wording: Wording) -> bool:
        """A point of the scale."""
        return 1 <= value <= SCALE_POINTS

    def example_answer(self, chance: random.Random, wording: Wording) -> Stored:
        """A point, mostly above the middle."""
        return chance.choice([2, 3, 3, 4, 4, 4, 5]), None

    def figures(
        self,
        values: Iterable[tuple[int, int]],
        total: int,
        wording: Wording,
        *,
        correct: int | None = None,
        counted_by: str | None = None,
    ) -> dict[str, Any]:
        """How many chose each point, and the average point."""
        counts = [0] * SCALE_POINTS
        for value, count in values:
            counts[value - 1] += count
        return {"counts": counts, "mean": self.mean(counts, total)}

    def mean(self, counts: Sequence[int], total: int) -> float | None:
        """The average point."""
        return sum((i + 1) * c for i, c in enumerate(counts)) / total

    def poles(self, counts: Sequence[int]) -> tuple[int, int] | None:
        """Answers at 1 or 5, and from 2 to 4."""
        at_poles = counts[0] + counts[-1]
        return at_poles, sum(counts) - at_poles

    def tally_fields(self, wording: Wording) -> dict[str, Any]:
        """A count per point, the ends with their labels."""
        return count_fields(self.school_labels(wording))

    def tally_data(self, form) -> dict[str, Any]:
        """The ticks (or hands) per point."""
        return {"counts": counts_of(form)}

    def slip_values(
        self, slips: int, data: dict[str, Any], wording: Wording, text_limit: int
    ) -> list[Stored]:
        """As many answers of each point as it has ticks; never more ticks than slips."""
        counts = checked_counts(data.get("counts"), SCALE_POINTS)
        if sum(counts) > slips:
            raise TallyError("more_than_slips")
        return [(index + 1, None) for index, count in enumerate(counts) for _ in range(count)]

    def own_wording(self, form) -> Wording:
        """The labels of the ends, "1" and "5" when left empty."""
        return {**super().own_wording(form), "scale": [form.low.data or "1", form.high.data or "5"]}


def _phone_label(point: int, low: str, high: str) -> str:
    if point == 1:
        return f"1 – {low}"
    if point == SCALE_POINTS:
        return f"{SCALE_POINTS} – {high}"
    return str(point)
