"""Forms of the coordinator's pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ..fields import CheckboxListField
from .models import LEVELS


class ClassForm(FlaskForm):
    """Name, level and year of a class, and who teaches it."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    level = SelectField(_l("Level"), choices=[SelectChoice(level, level) for level in LEVELS])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=1, max=6)])
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
