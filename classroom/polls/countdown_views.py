"""The teacher starts and stops a countdown from the projector or the teacher screen."""

from flask import g, redirect
from flask_babel import gettext as _

from ..errors import render_error
from ..extensions import db
from . import countdown
from .blueprint import bp
from .forms import CountdownForm
from .pages import back_to


@bp.post("/<int:run_id>/countdown")
def start_countdown(run_id: int):
    """Start a countdown of some minutes for the step on the projector (owner only)."""
    if not g.run.is_open:
        return render_error(409, _("This lesson has ended."))
    form = CountdownForm()
    if not form.validate_on_submit():
        return render_error(400, _("Choose how many minutes the countdown runs."))
    countdown.start(g.run, form.minutes.data)
    db.session.commit()
    return redirect(back_to(g.run), 303)


@bp.post("/<int:run_id>/countdown/stop")
def stop_countdown(run_id: int):
    """Take the countdown off the screens (owner only)."""
    if not g.run.is_open:
        return render_error(409, _("This lesson has ended."))
    countdown.stop(g.run)
    db.session.commit()
    return redirect(back_to(g.run), 303)
