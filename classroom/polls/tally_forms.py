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
            labels = list(wording["options"])
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
