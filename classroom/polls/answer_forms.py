"""The form a student answers a question with, built from its kind and language."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm

from ..questions import QuestionType
from .models import AnswerableQuestion, Question


class AnswerForm(FlaskForm):
    """An answer form; its fields come from the question's kind (`QuestionType.answer_fields`)."""

    kind: QuestionType  # the kind the form was built for

    def place_fields(self) -> list:
        """The place fields of a ranking, in option order (none for other kinds)."""
        return [field for name, field in self._fields.items() if name.startswith("place_")]

    def validate(self, extra_validators=None) -> bool:
        """Each field's own checks, then the kind's check of the whole (a ranking's places)."""
        if not super().validate(extra_validators):
            return False
        return self.kind.check_answer_form(self)


def answer_form(question: Question | AnswerableQuestion, language: str, **kwargs: Any) -> FlaskForm:
    """Build the form that fits the question's kind, in the student's language.

    The form class depends only on the question's wording, the language and the
    interface language of its messages; it is built once per worker for each of
    those and reused (a form object, with what a phone sent, is always new).
    """
    wording = question.text(language)
    key = (question.id, question.type, language, str(get_locale()), repr(wording))
    cache = current_app.extensions.setdefault("polls.answer_form_classes", {})
    form_class = cache.get(key)
    if form_class is None:
        form_class = _form_class(question, wording)
        if len(cache) >= FORM_CLASSES_CACHED:
            cache.clear()
        cache[key] = form_class
    return form_class(**kwargs)


# Per worker: a municipal event has one question open, a school a few hundred.
FORM_CLASSES_CACHED = 1024


def _form_class(question: Question | AnswerableQuestion, wording: dict) -> type[AnswerForm]:
    class Form(AnswerForm):
        pass

    Form.kind = question.kind
    limit = current_app.config["OPEN_TEXT_MAX_LENGTH"]
    for name, field in question.kind.answer_fields(wording, limit).items():
        setattr(Form, name, field)
    return Form


def form_value(
    question: Question | AnswerableQuestion, form: FlaskForm
) -> tuple[int | None, str | None]:
    """Turn a validated form into the stored (value, text) of an answer."""
    return question.kind.form_value(form)


def initial_data(question: Question) -> dict:
    """Form data of a fresh answer form: empty, whatever this phone answered before.

    A phone in someone else's hand shows nothing of what was answered on it; the
    earlier answer still counts until a new one is sent. A ranking never starts
    invalid: it starts in the options' own order (places 1, 2, 3...).
    """
    return question.kind.initial_data(question.text(question.run_language))
