"""The language switch."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from ..languages import language_choices


class LanguageForm(FlaskForm):
    """Choose the interface language; remembered in this browser's session."""

    language = SelectField(choices=language_choices(), validators=[InputRequired()])
    next = HiddenField()
