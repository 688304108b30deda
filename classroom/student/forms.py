"""The form a student types a join code into."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class JoinForm(FlaskForm):
    """A join code as the teacher shows it on the projector."""

    code = StringField(
        _l("Join code"),
        validators=[DataRequired(_l("Type the code from the screen.")), Length(max=20)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            # Codes are digits: a phone shows its number pad.
            "inputmode": "numeric",
            "maxlength": 20,
        },
    )
