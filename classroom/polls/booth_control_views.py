"""The teacher's side of the booth: making a device the booth of a lesson, ending its round.

The device's side (what students see and post) is the `booth` package.
"""

import secrets

from flask import flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _

from ..accounts.forms import EmptyForm
from ..accounts.sessions import end_session
from ..errors import render_error
from ..extensions import db
from . import services
from .blueprint import bp
from .models import Question, Run


def booth_only_message() -> str:
    """Why a lesson answered another way has no booth."""
    return _(
        "The booth works only in a lesson the class answers on one shared device. "
        "Choose that way of answering first."
    )


@bp.get("/<int:run_id>/booth")
def booth_start(run_id: int):
    """The teacher's page for making this device the booth, or ending the round."""
    return render_template("polls/booth_start.html", run=g.run, action_form=EmptyForm())


@bp.post("/<int:run_id>/booth")
def booth_open(run_id: int):
    """Make this device the booth: the teacher's login ends here, a booth token takes over.

    Only in a lesson answered at a shared device: in any other lesson a booth's answers
    would sit beside the phones' (or the slips') and could pad them.
    """
    if not g.run.is_open:
        return render_error(409, _("This lesson has ended."))
    if g.run.answer_mode != "booth":
        return render_error(409, booth_only_message())
    key = secrets.token_hex(16)
    g.run.booth_key = key
    run_id = g.run.id
    db.session.commit()
    end_session()
    session["booth"] = {"run": run_id, "key": key}
    return redirect(url_for("booth.index"), 303)


@bp.post("/<int:run_id>/booth/end")
def booth_end(run_id: int):
    """End the booth round: the shared device can store no more answers."""
    g.run.booth_key = None
    db.session.commit()
    flash(_("The booth round has ended. The shared device takes no more answers."), "info")
    return redirect(url_for("polls.detail", run_id=g.run.id), 303)


@bp.app_template_global()
def booth_round_of(run: Run) -> list[Question]:
    """The questions of the run's open booth round, for the screens that show the round."""
    return services.booth_round_questions(run)
