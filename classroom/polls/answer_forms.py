"""The form a student answers a question with, built for its type and language."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..fields import CheckboxListField
from .answers import encode_ranking
from .models import SCALE_POINTS, AnswerableQuestion, Question


class RankingForm(FlaskForm):
    """One place field per option; every place must be given exactly once."""

    def place_fields(self) -> list:
        """The place fields in option order."""
        return [field for name, field in self._fields.items() if name.startswith("place_")]

    def validate(self, extra_validators=None) -> bool:
        """Refuse two options on the same place."""
        if not super().validate(extra_validators):
            return False
        places = [field.data for field in self.place_fields()]
        if sorted(places) != list(range(1, len(places) + 1)):
            self.place_fields()[0].errors.append(_l("Give every place exactly once."))
            return False
        return True


def answer_form(question: Question | AnswerableQuestion, language: str, **kwargs: Any) -> FlaskForm:
    """Build the form that fits the question type, in the student's language.

    The form class depends only on the question's wording, the language and the
    interface language of its messages; it is built once per worker for each of
    those and reused (a form object, with what a phone sent, is always new).
    """
    wording = question.text(language)
    key = (question.id, question.type, language, str(get_locale()), repr(wording))
    cache = current_app.extensions.setdefault("polls.answer_form_classes", {})
    form_class = cache.get(key)
    if form_class is None:
        form_class = _form_class(question.type, wording)
        if len(cache) >= FORM_CLASSES_CACHED:
            cache.clear()
        cache[key] = form_class
    return form_class(**kwargs)


# Per worker: a municipal event has one question open, a school a few hundred.
FORM_CLASSES_CACHED = 1024


def _form_class(kind: str, wording: dict) -> type[FlaskForm]:
    if kind == "ranking":
        return _ranking_form_class(wording["options"])

    class AnswerForm(FlaskForm):
        pass

    AnswerForm.answer = _answer_field(kind, wording)
    return AnswerForm


def _answer_field(kind: str, wording: dict) -> Any:
    choose_one = _l("Choose an answer.")
    if kind in ("single", "multiple"):
        choices = [SelectChoice(i, o) for i, o in enumerate(wording["options"])]
        if kind == "single":
            return RadioField(
                wording["question"],
                choices=choices,
                coerce=int,
                validators=[InputRequired(choose_one)],
            )
        required = InputRequired(_l("Choose at least one answer."))
        return CheckboxListField(
            wording["question"], choices=choices, coerce=int, validators=[required]
        )
    if kind == "scale":
        low, high = wording["scale"]
        choices = [
            SelectChoice(point, _scale_label(point, low, high))
            for point in range(1, SCALE_POINTS + 1)
        ]
        return RadioField(
            wording["question"], choices=choices, coerce=int, validators=[InputRequired(choose_one)]
        )
    if kind == "estimate":
        low, high = wording["range"]
        message = gettext("Give a whole number from %(min)d to %(max)d.", min=low, max=high)
        return IntegerField(
            wording["question"],
            validators=[InputRequired(message), NumberRange(low, high, message=message)],
            render_kw={"type": "number", "min": low, "max": high, "inputmode": "numeric"},
        )
    limit = current_app.config["OPEN_TEXT_MAX_LENGTH"]
    too_long = _l("Your answer is too long (at most %(max)d characters).")
    return TextAreaField(
        wording["question"],
        validators=[
            DataRequired(_l("Write an answer first.")),
            Length(max=limit, message=too_long),
        ],
        render_kw={"maxlength": limit, "rows": 3},
    )


def _ranking_form_class(options: list[str]) -> type[RankingForm]:
    class Form(RankingForm):
        pass

    places = [SelectChoice(place, str(place)) for place in range(1, len(options) + 1)]
    for index, option in enumerate(options):
        field = SelectField(option, choices=places, coerce=int, validators=[InputRequired()])
        setattr(Form, f"place_{index}", field)
    return Form


def _scale_label(point: int, low: str, high: str) -> str:
    if point == 1:
        return f"1 – {low}"
    if point == SCALE_POINTS:
        return f"{SCALE_POINTS} – {high}"
    return str(point)


def form_value(
    question: Question | AnswerableQuestion, form: FlaskForm
) -> tuple[int | None, str | None]:
    """Turn a validated form into the stored (value, text) of an answer."""
    if question.type == "ranking":
        places = [field.data for field in form.place_fields()]
        order = sorted(range(len(places)), key=lambda index: places[index])
        return encode_ranking(order), None
    data = form.answer.data
    if question.type == "text":
        return None, str(data)
    if question.type == "multiple":
        return sum(1 << index for index in set(data)), None
    return int(data), None


def initial_data(question: Question) -> dict:
    """Form data of a fresh answer form: empty, whatever this phone answered before.

    A phone in someone else's hand shows nothing of what was answered on it; the
    earlier answer still counts until a new one is sent. A ranking never starts
    invalid: it starts in the options' own order (places 1, 2, 3...).
    """
    if question.type == "ranking":
        return {f"place_{index}": index + 1 for index in range(question.option_count)}
    return {}
