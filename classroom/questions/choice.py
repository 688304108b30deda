"""Choice questions: one answer (`single`) or several (`multiple`) of a list of options."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice
from wtforms.validators import InputRequired

from ..fields import CheckboxListField
from .base import (
    OPTION_LENGTH,
    QuestionType,
    Stored,
    TallyError,
    Wording,
    checked_counts,
    count_fields,
    counts_of,
    one_choice_field,
)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def option_letter(index: int) -> str:
    """The letter of an option, as the projector, the slips and the tally sheet show it."""
    return LETTERS[index] if 0 <= index < len(LETTERS) else str(index + 1)


def check_options(form, most: int) -> bool:
    """The option lines of an own question: 2 to `most`, all different, none too long."""
    options = form.option_list()
    if not (2 <= len(options) <= most and len(set(options)) == len(options)):
        form.options.errors.append(
            _l("Give 2 to %(most)d different options, one per line.", most=most)
        )
        return False
    if any(len(option) > OPTION_LENGTH for option in options):
        form.options.errors.append(_l("An option can have at most 80 characters."))
        return False
    return True


class Choice(QuestionType):
    """What one answer and several answers share: options, letters, a right option."""

    template = "questions/choice.html"
    has_options = True
    max_options = 8
    has_correct = True
    wording_fields = ("options", "correct")
    own_fields = ("options", "correct")
    in_grid = True
    in_school_results = True

    def grid_cells(self, wording: Wording) -> list[tuple[str, str]]:
        """Each option with its letter."""
        return [(option_letter(i), option) for i, option in enumerate(wording["options"])]

    def tally_fields(self, wording: Wording) -> dict[str, Any]:
        """A count per option, labelled with its letter."""
        return count_fields([f"{mark} · {words}" for mark, words in self.grid_cells(wording)])

    def tally_data(self, form) -> dict[str, Any]:
        """The ticks (or hands) per option."""
        return {"counts": counts_of(form)}

    def figures(
        self,
        values: Iterable[tuple[int, int]],
        total: int,
        wording: Wording,
        *,
        correct: int | None = None,
        counted_by: str | None = None,
    ) -> dict[str, Any]:
        """How many chose each option."""
        counts = [0] * self.option_count(wording)
        for value, count in values:
            for index in self.chosen(value, len(counts)):
                counts[index] += count
        return {"counts": counts}

    def chosen(self, value: int, size: int) -> list[int]:
        """The option indexes one stored value stands for."""
        return [value]

    def check_own(self, form) -> bool:
        """Options as `check_options` wants them, and a right answer that is one of them."""
        if not check_options(form, self.max_options):
            return False
        right, count = form.correct.data, len(form.option_list())
        if right is not None and right > count:
            message = _l("Give the number of one of the options (1 to %(count)d).", count=count)
            form.correct.errors.append(message)
            return False
        return True

    def own_wording(self, form) -> Wording:
        """The option lines."""
        return {**super().own_wording(form), "options": form.option_list()}

    def own_correct(self, form) -> int | None:
        """The option number the teacher gave, counted from 0."""
        return form.correct.data - 1 if form.correct.data is not None else None


class SingleChoice(Choice):
    """Choose one option; a right option makes it a quiz question."""

    name = "single"
    label = _l("One answer")

    def answer_fields(self, wording: Wording, text_limit: int) -> dict[str, Any]:
        """Radio buttons, one per option."""
        choices = [SelectChoice(i, o) for i, o in enumerate(wording["options"])]
        return one_choice_field(wording["question"], choices)

    def accepts_value(self, value: int, wording: Wording) -> bool:
        """The index of an option."""
        return 0 <= value < self.option_count(wording)

    def example_answer(self, chance: random.Random, wording: Wording) -> Stored:
        """Any option."""
        return chance.randrange(self.option_count(wording)), None

    def slip_values(
        self, slips: int, data: dict[str, Any], wording: Wording, text_limit: int
    ) -> list[Stored]:
        """As many answers of each option as it has ticks; never more ticks than slips."""
        counts = checked_counts(data.get("counts"), self.option_count(wording))
        if sum(counts) > slips:
            raise TallyError("more_than_slips")
        return [(index, None) for index, count in enumerate(counts) for _ in range(count)]

    def verdict(self, value: int | None, correct: int | None) -> str | None:
        """Right when the right option was chosen."""
        if value is None or correct is None:
            return None
        return "right" if value == correct else "wrong"


class MultipleChoice(Choice):
    """Tick every option that fits; stored as a bit mask of the ticked options."""

    name = "multiple"
    label = _l("Several answers")
    several = True

    def answer_fields(self, wording: Wording, text_limit: int) -> dict[str, Any]:
        """A checkbox per option; at least one ticked."""
        choices = [SelectChoice(i, o) for i, o in enumerate(wording["options"])]
        required = InputRequired(_l("Choose at least one answer."))
        return {
            "answer": CheckboxListField(
                wording["question"], choices=choices, coerce=int, validators=[required]
            )
        }

    def form_value(self, form) -> Stored:
        """The ticked options as one bit mask."""
        return sum(1 << index for index in set(form.answer.data)), None

    def accepts_value(self, value: int, wording: Wording) -> bool:
        """A mask with at least one option and none beyond the last."""
        return 0 < value < (1 << self.option_count(wording))

    def example_answer(self, chance: random.Random, wording: Wording) -> Stored:
        """Any non-empty set of options."""
        return chance.randrange(1, 1 << self.option_count(wording)), None

    def chosen(self, value: int, size: int) -> list[int]:
        """Every option whose bit is set."""
        return [index for index in range(size) if value & (1 << index)]

    def figures(
        self,
        values: Iterable[tuple[int, int]],
        total: int,
        wording: Wording,
        *,
        correct: int | None = None,
        counted_by: str | None = None,
    ) -> dict[str, Any]:
        """The ticks per option, and how many ticked exactly the right option.

        Right only when exactly the right box is ticked, not every box. A count by
        hand has ticks per option, not per slip: no such figure, so no share.
        """
        values = list(values)
        figures = super().figures(values, total, wording)
        if correct is not None and not counted_by:
            exact = 1 << correct
            figures["right"] = sum(count for value, count in values if value == exact)
        return figures

    def right_percent(
        self, percents: Sequence[int | None], figures: dict[str, Any], total: int, correct: int,
        *, sensitive: bool, floor: int,
    ) -> int | None:  # fmt: skip
        """The share that ticked exactly the right set.

        None for a release made before that figure was kept (or counted by hand),
        when a cell is hidden, and on a sensitive poll when the right or the wrong
        ones are fewer than the floor, as a cell would be.
        """
        right = figures.get("right")
        if right is None or not total or figures.get("hidden"):
            return None
        few = (right, total - right)
        if sensitive and any(0 < n < floor for n in few):
            return None
        return round(100 * right / total)

    def slip_values(
        self, slips: int, data: dict[str, Any], wording: Wording, text_limit: int
    ) -> list[Stored]:
        """Slips with ticked boxes that give exactly these counts per option.

        Every slip ticks at least one box, so the counts must add up to at least
        the slips, and no option can be ticked on more slips than there are.
        """
        counts = checked_counts(data.get("counts"), self.option_count(wording))
        if any(count > slips for count in counts):
            raise TallyError("more_than_slips")
        if sum(counts) < slips:
            raise TallyError("too_few_ticks")
        masks = [0] * slips
        ticks = [index for index, count in enumerate(counts) for _ in range(count)]
        for number, index in enumerate(ticks):
            masks[number % slips] |= 1 << index
        return [(mask, None) for mask in masks]

    def verdict(self, value: int | None, correct: int | None) -> str | None:
        """Right when exactly the right box is ticked: ticking every box is not right."""
        if value is None or correct is None:
            return None
        return "right" if value == 1 << correct else "wrong"
