"""Forms for lessons without a device per student: how the class answers, and tallies."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired

from ..questions.base import FILLED_IN, WHOLE_NUMBER
from ..vocabulary import ANSWER_MODES
from .models import Question


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

    def count_fields(self) -> list:
        """The count fields of a choice or scale question (none for other kinds)."""
        return [self[name] for name in getattr(self, "count_names", [])]


def tally_form(question: Question, language: str, counted_by: str, **kwargs) -> TallyForm:
    """A tally form with the fields this question's kind needs (`QuestionType.tally_fields`)."""
    wording = question.text(language)

    class QuestionTallyForm(TallyForm):
        pass

    if counted_by == "hands":
        QuestionTallyForm.slips = StringField(
            _l("Students present"), validators=[FILLED_IN, WHOLE_NUMBER]
        )
    for name, attribute in question.kind.tally_fields(wording).items():
        setattr(QuestionTallyForm, name, attribute)
    return QuestionTallyForm(**kwargs)


# --- one tally page per phase -----------------------------------------------------------


def cell_labels(question: Question, language: str) -> list[tuple[str, str]]:
    """Per cell of a grid row: its short mark (A, B… or 1-5) and the words it stands for."""
    return question.kind.grid_cells(question.text(language))


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
