"""Estimate questions: a whole number within a range, perhaps compared with the real figure."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from .base import SEPARATORS, QuestionType, Stored, TallyError, Wording, only_numbers

# Results count the answers in this many equal ranges between the lowest and highest.
ESTIMATE_BINS = 10


class Estimate(QuestionType):
    """A number from the range; results show ranges of answers and the middle answer."""

    name = "estimate"
    label = _l("Estimate a number")
    template = "questions/estimate.html"
    wording_fields = ("range", "unit", "answer")
    own_fields = ("minimum", "maximum", "answer")
    own_tally_page = _l("Every slip has its own number: type the numbers on its own page.")

    def cell_labels(self, wording: Wording) -> list[str]:
        """The ranges answers are counted in, with the unit: "60-69%", "70-79%"…"""
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

    def answer_fields(self, wording: Wording, text_limit: int) -> dict[str, Any]:
        """A number field limited to the range."""
        low, high = wording["range"]
        message = gettext("Give a whole number from %(min)d to %(max)d.", min=low, max=high)
        return {
            "answer": IntegerField(
                wording["question"],
                validators=[InputRequired(message), NumberRange(low, high, message=message)],
                render_kw={"type": "number", "min": low, "max": high, "inputmode": "numeric"},
            )
        }

    def accepts_value(self, value: int, wording: Wording) -> bool:
        """A number within the range."""
        low, high = wording["range"]
        return low <= value <= high

    def example_answer(self, chance: random.Random, wording: Wording) -> Stored:
        """Any number of the range."""
        low, high = wording["range"]
        return chance.randint(low, high), None

    def figures(
        self,
        values: Iterable[tuple[int, int]],
        total: int,
        wording: Wording,
        *,
        correct: int | None = None,
        counted_by: str | None = None,
    ) -> dict[str, Any]:
        """How many answers fall in each range, and the middle answer (median)."""
        low, high = wording["range"]
        width = (high - low) / ESTIMATE_BINS
        counts = [0] * ESTIMATE_BINS
        every: list[int] = []
        for value, count in values:
            counts[min(int((value - low) / width), ESTIMATE_BINS - 1)] += count
            every += [value] * count
        every.sort()
        middle = len(every) // 2
        median = every[middle] if len(every) % 2 else (every[middle - 1] + every[middle]) / 2
        return {"counts": counts, "median": median}

    def real_figure(self, wording: Wording) -> float | None:
        """The figure the module gives, if any."""
        return wording.get("answer")

    def tally_fields(self, wording: Wording) -> dict[str, Any]:
        """One box for all the numbers on the slips."""
        return {
            "numbers_text": TextAreaField(
                _l("The numbers on the slips"),
                validators=[DataRequired(), Length(max=2000), only_numbers],
            )
        }

    def tally_data(self, form) -> dict[str, Any]:
        """The numbers, one per slip."""
        text = form.numbers_text.data or ""
        return {"numbers": [int(token) for token in SEPARATORS.split(text) if token]}

    def slip_values(
        self, slips: int, data: dict[str, Any], wording: Wording, text_limit: int
    ) -> list[Stored]:
        """Each number as an answer: no more than slips, none outside the range."""
        low, high = wording["range"]
        numbers = list(data.get("numbers") or [])
        if len(numbers) > slips:
            raise TallyError("more_than_slips")
        if any(not low <= number <= high for number in numbers):
            raise TallyError("range")
        return [(number, None) for number in numbers]

    def check_own(self, form) -> bool:
        """A lowest below a highest number, and a real figure between them."""
        low, high = form.minimum.data, form.maximum.data
        if not (low is not None and high is not None and low < high):
            form.maximum.errors.append(_l("Give a lowest and a higher highest number."))
            return False
        figure = form.answer.data
        if figure is not None and not low <= figure <= high:
            form.answer.errors.append(_l("The real figure must lie between the two numbers."))
            return False
        return True

    def own_wording(self, form) -> Wording:
        """The range and the real figure."""
        return {
            **super().own_wording(form),
            "range": [form.minimum.data, form.maximum.data],
            "answer": form.answer.data,
        }
