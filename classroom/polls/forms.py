"""Forms for starting a run and for answering a question."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..coordination.models import SchoolClass, class_teacher
from ..extensions import db
from ..languages import language_choices
from .models import SCALE_POINTS, Question

if TYPE_CHECKING:
    from ..accounts.models import User


def teachable_classes(user: User) -> list[SchoolClass]:
    """The active classes of the user's school that the user teaches."""
    return list(
        db.session.scalars(
            db.select(SchoolClass)
            .join(class_teacher, class_teacher.c.class_id == SchoolClass.id)
            .where(
                class_teacher.c.user_id == user.id,
                SchoolClass.school_id == user.school_id,
                SchoolClass.archived_at.is_(None),
            )
            .order_by(SchoolClass.name)
        )
    )


class StartRunForm(FlaskForm):
    """Choose the class and language for a new run of a module."""

    module = HiddenField(validators=[DataRequired()])
    assignment = HiddenField(validators=[Optional()])
    school_class = SelectField(_l("Class"), coerce=int, validators=[InputRequired()])
    language = SelectField(
        _l("Language of the lesson"),
        choices=language_choices(),
        validators=[InputRequired()],
    )

    def set_classes(self, classes: list[SchoolClass]) -> None:
        """Offer exactly these classes."""
        self.school_class.choices = [SelectChoice(c.id, c.name) for c in classes]


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple-choice question."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def answer_form(question: Question, language: str, **kwargs) -> FlaskForm:
    """Build the form that fits the question type, in the student's language."""
    wording = question.text(language)
    choose_one = _l("Choose an answer.")

    class AnswerForm(FlaskForm):
        pass

    if question.type == "single":
        choices = [SelectChoice(i, o) for i, o in enumerate(wording["options"])]
        field = RadioField(
            wording["question"], choices=choices, coerce=int, validators=[InputRequired(choose_one)]
        )
    elif question.type == "multiple":
        choices = [SelectChoice(i, o) for i, o in enumerate(wording["options"])]
        field = MultiCheckboxField(
            wording["question"],
            choices=choices,
            coerce=int,
            validators=[InputRequired(_l("Choose at least one answer."))],
        )
    elif question.type == "scale":
        low, high = wording["scale"]
        choices = [
            SelectChoice(point, _scale_label(point, low, high))
            for point in range(1, SCALE_POINTS + 1)
        ]
        field = RadioField(
            wording["question"], choices=choices, coerce=int, validators=[InputRequired(choose_one)]
        )
    else:
        limit = current_app.config["OPEN_TEXT_MAX_LENGTH"]
        field = TextAreaField(
            wording["question"],
            validators=[
                DataRequired(_l("Write an answer first.")),
                Length(
                    max=limit, message=_l("Your answer is too long (at most %(max)d characters).")
                ),
            ],
            render_kw={"maxlength": limit, "rows": 3},
        )
    AnswerForm.answer = field
    return AnswerForm(**kwargs)


def _scale_label(point: int, low: str, high: str) -> str:
    if point == 1:
        return f"1 – {low}"
    if point == SCALE_POINTS:
        return f"{SCALE_POINTS} – {high}"
    return str(point)


def form_value(question: Question, data: object) -> tuple[int | None, str | None]:
    """Turn validated form data into the stored (value, text) of an answer."""
    if question.type == "text":
        return None, str(data)
    if question.type == "multiple":
        return sum(1 << index for index in set(data)), None  # type: ignore[arg-type]
    return int(data), None  # type: ignore[arg-type]
