"""What every kind of question answers for itself, and the inputs several kinds share.

A kind of question is one `QuestionType` subclass: its phone form, the stored
value and the checks on it, the tally form and how a tally becomes answers, the
figures counted from answers, which small cells a suppression may hide, the quiz
verdict, its CSV cells and the template macros that show it. The rest of the
code asks the type (`question.kind`) and never compares `question.type` itself,
so adding or changing a kind touches its own module and its own template.

Nothing here touches the database or the request: the answers package owns the
response rows and applies these rules to them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Regexp, ValidationError

# A question's wording in one language: {"question", "options", "scale", "range", ...}.
Wording = dict[str, Any]
# What one answer is stored as: a number, or a text (open answers).
Stored = tuple[int | None, str | None]

WHOLE_NUMBER = Regexp(r"^\s*\d{1,4}\s*$", message=_l("Type a whole number of 0 or more."))
FILLED_IN = InputRequired(message=_l("Type a whole number of 0 or more."))
NUMBER = re.compile(r"-?\d{1,9}")
SEPARATORS = re.compile(r"[\s,;]+")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# An option may be this long, in a lesson and in a teacher's own question alike.
OPTION_LENGTH = 80


class TallyError(ValueError):
    """A tally that cannot be stored; `reason` says which rule it broke."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def only_numbers(form, field) -> None:
    """Estimates are whole numbers separated by spaces, commas or new lines."""
    tokens = [token for token in SEPARATORS.split(field.data or "") if token]
    if not all(NUMBER.fullmatch(token) for token in tokens):
        raise ValidationError(_l("Type only whole numbers, separated by spaces or new lines."))


def no_control_characters(form, field) -> None:
    """Refuse invisible control characters: they cannot be shown, and PostgreSQL refuses NUL."""
    if CONTROL.search(field.data or ""):
        raise ValidationError(_l("The text contains invisible control characters; remove them."))


def checked_counts(counts: Sequence[int] | None, size: int) -> list[int]:
    """A tally's counts per cell, refused unless there is one count of 0 or more per cell."""
    if counts is None or len(counts) != size or any(count < 0 for count in counts):
        raise TallyError("count")
    return list(counts)


class QuestionType:
    """One kind of question. Subclasses set the attributes and override what differs.

    The defaults describe a kind without options and without figures of its own;
    every registered kind overrides at least `accepts_value`, `figures`,
    `answer_fields`, `slip_values` and `example_answer`.
    """

    # The name stored in `Question.type` and written in lesson files.
    name: ClassVar[str] = ""
    # The kind's name in the interface (lesson pages, the teacher's select).
    label: ClassVar[Any] = ""
    # The template with the kind's macros: phone, projector, results, tally, slip.
    template: ClassVar[str] = ""
    # The wording lists options (choice and ranking); at most `max_options` of them.
    has_options: ClassVar[bool] = False
    max_options: ClassVar[int] = 0
    # A lesson or teacher may mark one option right (a quiz question).
    has_correct: ClassVar[bool] = False
    # Fields of a lesson's poll (and an authoring draft) besides key, question and discuss.
    wording_fields: ClassVar[tuple[str, ...]] = ()
    # The optional fields of a teacher's own question (`polls.forms.OwnQuestionForm`).
    own_fields: ClassVar[tuple[str, ...]] = ()
    # Answers are written texts: moderated in batches, shown as approved texts, never counted.
    is_text: ClassVar[bool] = False
    # One answer may choose several cells, so the counts need not add up to the answers.
    several: ClassVar[bool] = False
    # May be counted by raised hands (never a text: nobody writes with a hand).
    hands_up: ClassVar[bool] = True
    # Its tally is a row of counts, one per cell, in the grid of a phase.
    in_grid: ClassVar[bool] = False
    # Why a tally of this kind is typed on its own page rather than in the grid.
    own_tally_page: ClassVar[Any] = None
    # Its counts go into the school's results (the same cells in every class).
    in_school_results: ClassVar[bool] = False
    # A script the phone page loads while a question of this kind is open.
    phone_script: ClassVar[str | None] = None

    def __repr__(self) -> str:
        return f"<question type {self.name}>"

    # --- the wording ----------------------------------------------------------------

    def option_count(self, wording: Wording) -> int:
        """The cells a phone chooses from: options, or the points of a scale; else 0."""
        return len(wording.get("options") or ()) if self.has_options else 0

    def cell_labels(self, wording: Wording) -> list[str]:
        """The words of each counted cell in results: options, scale points or ranges."""
        return list(wording.get("options") or ())

    def school_labels(self, wording: Wording) -> list[str]:
        """The words of each cell in the school's results."""
        return self.cell_labels(wording)

    def grid_cells(self, wording: Wording) -> list[tuple[str, str]]:
        """Per cell of a tally row: its short mark (A, B… or 1-5) and the words it stands for."""
        return []

    # --- answering on a screen ------------------------------------------------------

    def answer_fields(self, wording: Wording, text_limit: int) -> dict[str, Any]:
        """The unbound form fields a phone answers with, by name."""
        raise NotImplementedError

    def check_answer_form(self, form) -> bool:
        """A check of the whole answer form after each field passed its own (True: fine)."""
        return True

    def form_value(self, form) -> Stored:
        """The stored (value, text) of a validated answer form."""
        return int(form.answer.data), None

    def initial_data(self, wording: Wording) -> dict[str, Any]:
        """Form data of a fresh answer form: empty, so a phone shows nothing of earlier use."""
        return {}

    def accepts(
        self, value: int | None, text: str | None, wording: Wording, text_limit: int
    ) -> bool:
        """Whether a stored (value, text) fits a question of this kind and wording."""
        return text is None and value is not None and self.accepts_value(value, wording)

    def accepts_value(self, value: int, wording: Wording) -> bool:
        """Whether a stored number fits the question (no text with it)."""
        raise NotImplementedError

    def example_answer(self, chance: random.Random, wording: Wording) -> Stored:
        """A made-up answer that fits, for the demo school."""
        raise NotImplementedError

    # --- counting by hand -----------------------------------------------------------

    def tally_fields(self, wording: Wording) -> dict[str, Any]:
        """Class attributes of a tally form: its unbound fields, and lists of their names."""
        return {}

    def tally_data(self, form) -> dict[str, Any]:
        """What a validated tally form holds, as `slip_values` takes it."""
        return {}

    def slip_values(
        self, slips: int, data: dict[str, Any], wording: Wording, text_limit: int
    ) -> list[Stored]:
        """One stored answer per slip (or hand) that gives exactly the tally; TallyError if none."""
        raise NotImplementedError

    # --- figures --------------------------------------------------------------------

    def figures(
        self,
        values: Iterable[tuple[int, int]],
        total: int,
        wording: Wording,
        *,
        correct: int | None = None,
        counted_by: str | None = None,
    ) -> dict[str, Any]:
        """Figures from (stored value, how many) pairs: always "counts" per cell, some more.

        The answers package adds which cells are hidden, and drops the figures
        that would give them away.
        """
        raise NotImplementedError

    def mean(self, counts: Sequence[int], total: int) -> float | None:
        """The average of the cells where they are points on a line; None elsewhere."""
        return None

    def poles(self, counts: Sequence[int]) -> tuple[int, int] | None:
        """Answers at the two ends and in between, where the cells are a scale; else None."""
        return None

    def real_figure(self, wording: Wording) -> float | None:
        """The true figure the module gives to compare the answers with, if any."""
        return None

    def right_percent(
        self, percents: Sequence[int | None], figures: dict[str, Any], total: int, correct: int,
        *, sensitive: bool, floor: int,
    ) -> int | None:  # fmt: skip
        """The share that chose the right answer, from released figures; None when hidden."""
        return percents[correct] if correct < len(percents) else None

    def verdict(self, value: int | None, correct: int | None) -> str | None:
        """Whether one stored answer is "right" or "wrong"; None without a right answer."""
        return None

    def csv_cells(self, result) -> list[tuple[list[Any], bool]]:
        """The CSV rows of released results, each with whether a figure of it is withheld.

        A row's cells are the answer, its count, its percent, its average place and
        the median: a row per counted cell, then a row per approved text.
        """
        places, median = dict(result.ranks), result.median
        rows = [
            ([o.label, o.count, o.percent, places.get(o.label), median], o.hidden)
            for o in result.options
        ]
        rows += [([text, None, None, None, None], False) for text in result.texts]
        return rows

    # --- a teacher's own question ---------------------------------------------------

    def check_own(self, form) -> bool:
        """Check the fields this kind uses on the own-question form, adding errors to them."""
        return True

    def own_wording(self, form) -> Wording:
        """This kind's part of the wording a run stores, from the own-question form."""
        return {"options": [], "scale": None, "range": None, "answer": None}

    def own_correct(self, form) -> int | None:
        """The 0-based right option given on the own-question form, if the kind has one."""
        return None


def one_choice_field(question: str, choices: list[SelectChoice]) -> dict[str, Any]:
    """The phone's radio buttons of a kind answered by one choice (an option, a point)."""
    return {
        "answer": RadioField(
            question,
            choices=choices,
            coerce=int,
            validators=[InputRequired(_l("Choose an answer."))],
        )
    }


def count_fields(labels: Sequence[str]) -> dict[str, Any]:
    """Tally form attributes for one count per cell, named count_0, count_1…"""
    names = [f"count_{index}" for index in range(len(labels))]
    fields: dict[str, Any] = {
        name: StringField(label, validators=[FILLED_IN, WHOLE_NUMBER])
        for name, label in zip(names, labels, strict=True)
    }
    fields["count_names"] = names
    return fields


def counts_of(form) -> list[int]:
    """The count per cell of a validated tally form made by `count_fields`."""
    return [int(form[name].data) for name in form.count_names]
