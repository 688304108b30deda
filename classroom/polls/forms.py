"""Forms for starting a run and for answering a question."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..coordination.forms import MAX_CLASS_SIZE
from ..coordination.models import SchoolClass
from ..languages import language_choices
from ..lessons.labels import label
from ..questions import ALL_TYPES, question_type
from .countdown import MINUTES
from .tally_forms import answer_mode_choices

MAX_JOIN_LIMIT = 200

if TYPE_CHECKING:
    pass


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
    # Required where the class has no size (the view checks); this lesson's own.
    class_size = IntegerField(
        _l("Students in this lesson"),
        validators=[Optional(), NumberRange(min=1, max=MAX_CLASS_SIZE)],
    )

    answer_mode = SelectField(
        _l("How does the class answer?"),
        choices=answer_mode_choices,
        default="devices",
        validators=[Optional()],
    )

    def set_classes(self, classes: list[SchoolClass]) -> None:
        """Offer exactly these classes."""
        self.school_class.choices = [SelectChoice(c.id, c.name) for c in classes]

    def set_languages(self, languages: list[str]) -> None:
        """Offer only the languages the module is written in (an own module may have one)."""
        self.language.choices = [c for c in language_choices() if c.value in languages]
        if self.language.data not in languages and self.language.raw_data is None:
            self.language.data = languages[0]


# The kinds of question that use each optional field (`QuestionType.own_fields`): the form
# shows only those, and a field of another kind is ignored, errors included (without
# JavaScript all show).
OPTIONAL_FIELDS = ("options", "correct", "low", "high", "minimum", "maximum", "answer")
FIELD_KINDS = {
    name: tuple(kind.name for kind in ALL_TYPES if name in kind.own_fields)
    for name in OPTIONAL_FIELDS
}


class OwnQuestionForm(FlaskForm):
    """A question the teacher adds during a lesson."""

    type = SelectField(_l("Kind of question"), validators=[InputRequired()])
    question = StringField(_l("Question"), validators=[DataRequired(), Length(max=200)])
    options = TextAreaField(
        _l("Answer options, one per line"), validators=[Optional(), Length(max=700)]
    )
    low = StringField(_l("Label of 1"), validators=[Optional(), Length(max=40)])
    high = StringField(_l("Label of 5"), validators=[Optional(), Length(max=40)])
    minimum = IntegerField(_l("Lowest number"), validators=[Optional()])
    maximum = IntegerField(_l("Highest number"), validators=[Optional()])
    correct = IntegerField(
        _l("Number of the right answer (optional)"),
        validators=[Optional(), NumberRange(min=1, max=8)],
    )
    answer = IntegerField(_l("The real figure (optional)"), validators=[Optional()])
    keep = BooleanField(_l("Also save it for my next classes"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.type.choices = [SelectChoice(kind.name, label(kind.name)) for kind in ALL_TYPES]

    def option_list(self) -> list[str]:
        """The non-empty option lines."""
        return [line.strip() for line in (self.options.data or "").splitlines() if line.strip()]

    def kinds_of(self, name: str) -> tuple[str, ...]:
        """The kinds of question that use this optional field (for the template's groups)."""
        return FIELD_KINDS[name]

    def validate(self, extra_validators=None) -> bool:
        """Check what the chosen kind of question needs, and nothing of other kinds."""
        valid = super().validate(extra_validators)
        for name, kinds in FIELD_KINDS.items():
            if self.type.data not in kinds:
                self[name].errors = []
        if not valid and self.errors:
            return False
        return question_type(self.type.data).check_own(self)

    def correct_index(self) -> int | None:
        """The 0-based right option of a question that may have one, if given."""
        return question_type(self.type.data).own_correct(self)

    def content(self) -> dict:
        """The question's wording as a run stores it."""
        own = question_type(self.type.data).own_wording(self)
        return {
            "question": self.question.data.strip(),
            "options": own["options"],
            "scale": own["scale"],
            "range": own["range"],
            "unit": None,
            "answer": own["answer"],
            "discuss": {"ask": [], "split": None, "unanimous": None, "alone": None},
        }


class JoinLimitForm(FlaskForm):
    """How many phones may join a running lesson."""

    limit = IntegerField(
        _l("Phones that may join"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_JOIN_LIMIT)],
    )


class CountdownForm(FlaskForm):
    """How many minutes a countdown on the projector runs."""

    minutes = SelectField(_l("Minutes"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.minutes.choices = [SelectChoice(m, str(m)) for m in MINUTES]
