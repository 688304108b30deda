"""The form for pausing a lesson until its next session."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError


class PauseForm(FlaskForm):
    """Pause with, if the teacher knows it, the day of the next session."""

    next_session_on = DateField(_l("Next session on (optional)"), validators=[Optional()])

    def __init__(self, *args, today: date, latest: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.latest = latest

    def validate_next_session_on(self, field: DateField) -> None:
        """The next session lies between today and the day the paused lesson would end."""
        if field.data is None:
            return
        if not self.today <= field.data <= self.latest:
            raise ValidationError(
                _(
                    "Give a day from today to %(latest)s, or leave the day empty.",
                    latest=self.latest.strftime("%d-%m-%Y"),
                )
            )
