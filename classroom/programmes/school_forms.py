"""Forms of the coordinator's programme pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class LeaveForm(FlaskForm):
    """Leave a programme, once the coordinator ticked that they understand what it means."""

    confirm = BooleanField(
        _l("I understand: our school cannot join this programme again."),
        validators=[DataRequired(_l("Tick the box to confirm that your school leaves."))],
    )


class ProgrammeAssignmentForm(FlaskForm):
    """Plan the programme's module for one class, with a teacher of that class."""

    school_class = SelectField(_l("Class"), coerce=int, validators=[InputRequired()])
    teacher = SelectField(_l("Teacher"), coerce=int, validators=[InputRequired()])
    due_on = DateField(_l("Give it by"), validators=[InputRequired()])
    note = TextAreaField(_l("Note for the teacher"), validators=[Optional(), Length(max=500)])
