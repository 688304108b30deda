"""Forms for lessons without a device per student: how the class answers, and tallies."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

from .models import ANSWER_MODES, SCALE_POINTS, Question

WHOLE_NUMBER = Regexp(r"^\s*\d{1,4}\s*$", message=_l("Type a whole number of 0 or more."))
FILLED_IN = InputRequired(message=_l("Type a whole number of 0 or more."))
NUMBER = re.compile(r"-?\d{1,9}")
SEPARATORS = re.compile(r"[\s,;]+")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def answer_mode_choices() -> list[tuple[str, str]]:
    """The ways a class can answer, in the reader's language."""
    labels = {
        "devices": _l("A phone or laptop each"),
        "booth": _l("One shared device (a booth)"),
        "paper": _l("Paper slips"),
        "hands": _l("Hands up (not anonymous)"),
    }
    return [(mode, labels[mode]) for mode in ANSWER_MODES]


class AnswerModeForm(FlaskForm):
    """Choose how the class answers in a running lesson."""

    answer_mode = SelectField(
        _l("How does the class answer?"), choices=answer_mode_choices, validators=[InputRequired()]
    )


class TallyForm(FlaskForm):
    """The counts of one question, typed in from paper slips or raised hands."""

    slips = StringField(_l("Number of slips"), validators=[FILLED_IN, WHOLE_NUMBER])

    def counts(self) -> list[int]:
        """The count per option (or scale point), in order."""
        return [int(field.data) for field in self.count_fields()]

    def count_fields(self) -> list:
        """The count fields of a choice or scale question."""
        return [self[name] for name in getattr(self, "count_names", [])]

    def places(self) -> list[list[int]]:
        """Per option, the count of each place of a ranking."""
        return [[int(self[name].data) for name in row] for row in getattr(self, "place_names", [])]

    def numbers(self) -> list[int]:
        """The estimates, one per slip."""
        return [int(token) for token in SEPARATORS.split(self.numbers_text.data or "") if token]

    def texts(self) -> list[str]:
        """The open answers, one per line."""
        return [line.strip() for line in (self.texts_text.data or "").splitlines() if line.strip()]


def _only_numbers(form, field) -> None:
    """Estimates are whole numbers separated by spaces, commas or new lines."""
    tokens = [token for token in SEPARATORS.split(field.data or "") if token]
    if not all(NUMBER.fullmatch(token) for token in tokens):
        raise ValidationError(_l("Type only whole numbers, separated by spaces or new lines."))


def _no_control_characters(form, field) -> None:
    """Refuse invisible control characters: they cannot be shown, and PostgreSQL refuses NUL."""
    if CONTROL.search(field.data or ""):
        raise ValidationError(_l("The text contains invisible control characters; remove them."))


def tally_form(question: Question, language: str, counted_by: str, **kwargs) -> TallyForm:
    """A tally form with the fields this question's type needs."""
    wording = question.text(language)

    class QuestionTallyForm(TallyForm):
        pass

    if counted_by == "hands":
        QuestionTallyForm.slips = StringField(
            _l("Students present"), validators=[FILLED_IN, WHOLE_NUMBER]
        )
    if question.type in ("single", "multiple", "scale"):
        if question.type == "scale":
            labels = [str(point) for point in range(1, SCALE_POINTS + 1)]
            labels[0] = f"1 · {wording['scale'][0]}"
            labels[-1] = f"{SCALE_POINTS} · {wording['scale'][1]}"
        else:
            options = wording["options"]
            labels = [f"{option_letter(i)} · {option}" for i, option in enumerate(options)]
        names = []
        for index, label in enumerate(labels):
            name = f"count_{index}"
            setattr(
                QuestionTallyForm,
                name,
                StringField(label, validators=[FILLED_IN, WHOLE_NUMBER]),
            )
            names.append(name)
        QuestionTallyForm.count_names = names
    elif question.type == "ranking":
        rows = []
        for option in range(len(wording["options"])):
            row = []
            for place in range(len(wording["options"])):
                name = f"place_{option}_{place}"
                setattr(QuestionTallyForm, name, StringField(validators=[FILLED_IN, WHOLE_NUMBER]))
                row.append(name)
            rows.append(row)
        QuestionTallyForm.place_names = rows
    elif question.type == "estimate":
        QuestionTallyForm.numbers_text = TextAreaField(
            _l("The numbers on the slips"),
            validators=[DataRequired(), Length(max=2000), _only_numbers],
        )
    else:
        QuestionTallyForm.texts_text = TextAreaField(
            _l("The answers on the slips, one per line"),
            validators=[DataRequired(), Length(max=20000), _no_control_characters],
        )
    return QuestionTallyForm(**kwargs)


# --- one tally page per phase -----------------------------------------------------------

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Types whose counts fit one row of the grid: a count per option (or scale point).
GRID_TYPES = ("single", "multiple", "scale")


def option_letter(index: int) -> str:
    """The letter of an option, as the projector, the slips and the tally sheet show it."""
    return LETTERS[index] if 0 <= index < len(LETTERS) else str(index + 1)


def cell_labels(question: Question, language: str) -> list[tuple[str, str]]:
    """Per cell of a grid row: its short mark (A, B… or 1-5) and the words it stands for."""
    wording = question.text(language)
    if question.type == "scale":
        words = [""] * SCALE_POINTS
        words[0], words[-1] = wording["scale"][0], wording["scale"][1]
        return [(str(point + 1), words[point]) for point in range(SCALE_POINTS)]
    return [(option_letter(i), option) for i, option in enumerate(wording["options"])]


def _blank_or_whole(form, field) -> None:
    """A blank box may stay blank (its row is counted later); anything typed is a number."""
    if (field.data or "").strip():
        WHOLE_NUMBER(form, field)


class PhaseTallyForm(FlaskForm):
    """Every count of one phase in one form: a number of slips (or hands) and a row per question."""

    rows: dict[int, list[str]]  # question id -> the names of its count fields

    def row_fields(self, question_id: int) -> list:
        """The count fields of one question's row."""
        return [self[name] for name in self.rows.get(question_id, [])]

    def filled_rows(self) -> dict[int, list[int]]:
        """The counts per question of every row that has a number in it (after validation)."""
        return {
            question_id: [int(field.data) for field in self.row_fields(question_id)]
            for question_id in self.rows
            if any((field.data or "").strip() for field in self.row_fields(question_id))
        }

    def validate(self, extra_validators=None) -> bool:
        """Each box holds a whole number; a row is typed in whole or left blank as a whole."""
        valid = super().validate(extra_validators)
        for question_id in self.rows:
            fields = self.row_fields(question_id)
            blank = [field for field in fields if not (field.data or "").strip()]
            if blank and len(blank) < len(fields):
                for field in blank:
                    field.errors = [
                        *field.errors,
                        _l("Type a number in every box of this row, 0 too."),
                    ]
                valid = False
        return valid


def phase_tally_form(
    questions: list[Question], language: str, slips_label, **kwargs
) -> PhaseTallyForm:
    """A grid form with a row of count boxes for each question that is counted in it."""

    class GridForm(PhaseTallyForm):
        pass

    GridForm.slips = StringField(slips_label, validators=[FILLED_IN, WHOLE_NUMBER])
    rows = {}
    for question in questions:
        names = []
        for index, (mark, _words) in enumerate(cell_labels(question, language)):
            name = f"q{question.id}_{index}"
            setattr(GridForm, name, StringField(mark, validators=[_blank_or_whole]))
            names.append(name)
        rows[question.id] = names
    GridForm.rows = rows
    return GridForm(**kwargs)
