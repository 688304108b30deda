"""Forms of the coordinator's pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..fields import CheckboxListField
from .models import LEVELS
from .settings import (
    CLASS_K,
    FLAG_WORD_LENGTH,
    FLAG_WORDS_MAX,
    RETENTION_DAYS,
    SCHOOL_K,
    SUPPORT_TEXT_MAX,
    flag_word_problem,
    has_control_characters,
)


def printable(_form: FlaskForm, field: TextAreaField) -> None:
    """Refuse control characters: they cannot be shown, and PostgreSQL refuses NUL."""
    if has_control_characters(field.data):
        raise ValidationError(_l("The text contains invisible control characters; remove them."))


# A lesson admits the class size plus two phones; no Dutch class is larger than this.
MAX_CLASS_SIZE = 60


class ClassForm(FlaskForm):
    """Name, level and year of a class, and who teaches it."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    level = SelectField(_l("Level"), choices=[SelectChoice(level, level) for level in LEVELS])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=1, max=6)])
    size = IntegerField(
        _l("Number of students"), validators=[Optional(), NumberRange(min=1, max=MAX_CLASS_SIZE)]
    )
    teachers = CheckboxListField(_l("Teachers"), coerce=int, validators=[Optional()])


class InvitationForm(FlaskForm):
    """Invite a teacher by e-mail address; the coordinator passes the link on."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Email(check_deliverability=False)]
    )


class AssignmentForm(FlaskForm):
    """Plan a module for one or more classes."""

    module = SelectField(_l("Module"), validators=[DataRequired()])
    classes = CheckboxListField(
        _l("Classes"), coerce=int, validators=[InputRequired(_l("Choose at least one class."))]
    )
    teacher = SelectField(_l("Teacher"), coerce=int, validators=[InputRequired()])
    due_on = DateField(_l("Give it by"), validators=[InputRequired()])
    note = TextAreaField(_l("Note for the teacher"), validators=[Optional(), Length(max=500)])


class SettingsForm(FlaskForm):
    """The school's own settings; the bounds live in coordination.settings."""

    min_answers = IntegerField(
        _l("Class k: the fewest answers before a class sees a result"),
        validators=[
            InputRequired(),
            NumberRange(*CLASS_K, message=_l("Choose a number from %(min)s to %(max)s.")),
        ],
    )
    school_min_answers = IntegerField(
        _l("School k: the fewest answers before a school figure shows"),
        validators=[
            InputRequired(),
            NumberRange(*SCHOOL_K, message=_l("Choose a number from %(min)s to %(max)s.")),
        ],
    )
    retention_days = IntegerField(
        _l("Days the raw answers are kept after a lesson ends"),
        validators=[
            InputRequired(),
            NumberRange(*RETENTION_DAYS, message=_l("Choose a number from %(min)s to %(max)s.")),
        ],
    )
    support_text = TextAreaField(
        _l("Who students can talk to at school"),
        validators=[Optional(), Length(max=SUPPORT_TEXT_MAX), printable],
    )
    flag_words = TextAreaField(
        _l("The school's own words that pre-flag open answers, one per line"),
        validators=[Optional(), printable],
    )
    # The latest audit line the coordinator saw, so a change made meanwhile is not overwritten.
    last_change = HiddenField(validators=[InputRequired()])

    def validate_flag_words(self, field: TextAreaField) -> None:
        """At most FLAG_WORDS_MAX lines, each of a sensible length."""
        problem = flag_word_problem(field.data)
        if problem == "too-many":
            raise ValidationError(_l("At most %(num)d words, please.", num=FLAG_WORDS_MAX))
        if problem == "length":
            low, high = FLAG_WORD_LENGTH
            raise ValidationError(
                _l("Each word has %(low)d to %(high)d characters.", low=low, high=high)
            )
