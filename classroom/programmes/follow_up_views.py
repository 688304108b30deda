"""The programme lead sets the day of the follow-up session."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import DataRequired, ValidationError

from ..accounts.decorators import role_required
from ..extensions import db
from ..timeutil import now_utc
from .blueprint import bp
from .follow_up import set_follow_up
from .models import Programme


class FollowUpForm(FlaskForm):
    """The day of the follow-up session: after today and after the programme started."""

    follow_up_on = DateField(_l("Day of the follow-up session"), validators=[DataRequired()])

    def __init__(self, *args, earliest: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.earliest = earliest

    def validate_follow_up_on(self, field: DateField) -> None:
        """Not before tomorrow, nor before the programme starts."""
        if field.data is not None and field.data < self.earliest:
            raise ValidationError(_("Give a day from %(day)s on.", day=format_date(self.earliest)))


def follow_up_form(programme: Programme, formdata=None) -> FollowUpForm:
    """The form for the programme's page, filled with the day already set."""
    today = now_utc().date()
    earliest = max(date.fromordinal(today.toordinal() + 1), programme.starts_on)
    form = FollowUpForm(formdata=formdata, earliest=earliest)
    if formdata is None and programme.follow_up_on is not None:
        form.follow_up_on.data = programme.follow_up_on
    return form


@bp.post("/programmes/<int:programme_id>/follow-up")
@role_required("lead")
def set_follow_up_day(programme_id: int):
    """Give the programme's lessons a follow-up session on a later day, or move its day."""
    programme = db.session.get(Programme, programme_id)
    if programme is None or programme.municipality_id != current_user.municipality_id:
        abort(404)
    form = follow_up_form(programme, formdata=request.form)
    if not form.validate_on_submit():
        for error in form.follow_up_on.errors:
            flash(error, "error")
        return redirect(url_for("programmes.detail", programme_id=programme.id), 303)
    changed = set_follow_up(programme, form.follow_up_on.data)
    db.session.commit()
    flash(
        ngettext(
            "Follow-up session set for %(day)s; %(num)d lesson under way has it now.",
            "Follow-up session set for %(day)s; %(num)d lessons under way have it now.",
            changed,
            day=format_date(programme.follow_up_on),
        ),
        "info",
    )
    return redirect(url_for("programmes.detail", programme_id=programme.id), 303)
