"""Routes for a lesson over several sessions: pause (at the break or at the bell), resume, end."""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from ..accounts.forms import EmptyForm
from ..errors import render_error
from ..extensions import db
from ..timeutil import now_utc
from . import flow, services, sessions
from .blueprint import bp
from .pages import back_to
from .session_forms import PauseForm


def _pause_form(formdata=None) -> PauseForm:
    today = now_utc().date()
    latest = sessions.latest_next_session(today, g.run)
    return PauseForm(formdata=formdata, today=today, latest=latest)


def _render_pause(form: PauseForm, status: int = 200):
    return render_template(
        "polls/confirm_pause.html",
        run=g.run,
        form=form,
        at_session_end=flow.at_session_end(g.run),
        action_form=EmptyForm(),
        back=request.args.get("from", ""),
    ), status


@bp.get("/<int:run_id>/pause")
def confirm_pause(run_id: int):
    """Ask "Pause until the next session?", with the day of the next session."""
    if not g.run.is_open:
        return redirect(url_for("polls.detail", run_id=g.run.id), 303)
    return _render_pause(_pause_form())


@bp.post("/<int:run_id>/pause")
def pause(run_id: int):
    """Pause the open run until the next session: the code stops taking joins and answers."""
    if not g.run.is_open:
        return render_error(409, _("This lesson has ended."))
    form = _pause_form(request.form)
    if not form.validate_on_submit():
        return _render_pause(form, 400)
    sessions.pause(g.run, form.next_session_on.data)
    db.session.commit()
    days = current_app.config["RUN_PAUSED_MAX_DAYS"]
    if sessions.follow_up_ahead(g.run):
        message = _(
            "The lesson is paused until its follow-up session on %(day)s. Resume it then; "
            "it ends by itself %(days)d days later.",
            day=format_date(sessions.follow_up_on(g.run)),
            days=days,
        )
    else:
        message = _(
            "The lesson is paused. Resume it in the next lesson; it ends by itself "
            "after %(days)d days.",
            days=days,
        )
    flash(message, "info")
    if request.args.get("from") == "present":
        return redirect(url_for("polls.present", run_id=g.run.id), 303)
    return redirect(url_for("polls.detail", run_id=g.run.id), 303)


@bp.post("/<int:run_id>/resume")
def resume(run_id: int):
    """Resume a paused run as its next session: the same code, results carried on."""
    if not g.run.is_paused:
        return render_error(409, _("Only a paused lesson can be resumed."))
    sessions.resume(g.run)
    db.session.commit()
    flash(_("The lesson goes on. Students join with the same code."), "success")
    return redirect(back_to(g.run), 303)


@bp.get("/<int:run_id>/end")
def confirm_end(run_id: int):
    """Ask before ending the run; offer a pause while it is open."""
    if g.run.is_ended:
        return redirect(url_for("polls.summary", run_id=g.run.id), 303)
    return render_template(
        "polls/confirm_end.html",
        run=g.run,
        phase_left=flow.phase_left(g.run),
        pause_form=_pause_form(),
        action_form=EmptyForm(),
    )


@bp.post("/<int:run_id>/end")
def end(run_id: int):
    """End the run (open or paused): the join code stops working."""
    if not g.run.is_ended:
        services.end_run(g.run)
        db.session.commit()
        flash(_("The lesson has ended. The join code no longer works."), "info")
    return redirect(url_for("polls.summary", run_id=g.run.id), 303)
