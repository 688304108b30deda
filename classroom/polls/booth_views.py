"""The booth: one shared device on which students answer one at a time.

The teacher turns a device into the booth from their own login; that ends
the teacher's session on the device, which from then on holds only a booth
token scoped to the run. Each "done" stores the answer with a fresh random
device token (so every answer has its own pseudonym), then shows an empty
form: nothing of the previous answer, never any results. The teacher ends
the round from their own screen, which makes the booth token worthless.
"""

import hmac
import secrets

from flask import Blueprint, flash, g, redirect, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..accounts.forms import EmptyForm
from ..accounts.views import end_session
from ..errors import render_error
from ..extensions import db
from . import answers, services
from .answer_forms import answer_form, form_value
from .models import Run
from .views import bp as polls_bp

bp = Blueprint("booth", __name__, url_prefix="/booth")


def booth_only_message() -> str:
    """Why a lesson answered another way has no booth."""
    return _(
        "The booth works only in a lesson the class answers on one shared device. "
        "Choose that way of answering first."
    )


@polls_bp.get("/<int:run_id>/booth")
def booth_start(run_id: int):
    """The teacher's page for making this device the booth, or ending the round."""
    return render_template("polls/booth_start.html", run=g.run, action_form=EmptyForm())


@polls_bp.post("/<int:run_id>/booth")
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


@polls_bp.post("/<int:run_id>/booth/end")
def booth_end(run_id: int):
    """End the booth round: the shared device can store no more answers."""
    g.run.booth_key = None
    db.session.commit()
    flash(_("The booth round has ended. The shared device takes no more answers."), "info")
    return redirect(url_for("polls.detail", run_id=g.run.id), 303)


@bp.before_request
def booth_only():
    """Only a device the teacher made the booth of a running lesson's open round gets in."""
    held = session.get("booth")
    run = None
    if isinstance(held, dict) and isinstance(held.get("run"), int):
        run = db.session.get(Run, held["run"])
    key = held.get("key") if isinstance(held, dict) else None
    if (
        run is None
        or not run.is_open
        or run.answer_mode != "booth"
        or run.booth_key is None
        or not isinstance(key, str)
        or not hmac.compare_digest(run.booth_key, key)
    ):
        session.pop("booth", None)
        return render_template("polls/booth_closed.html"), 410
    g.run = run
    return None


@bp.after_request
def never_cache(response):
    """Nothing of an answer may come back from a cache or the back button."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index():
    """The booth screen: the open question with an empty form, or a waiting screen."""
    return _render_booth()


def _render_booth(form=None, status: int = 200):
    run: Run = g.run
    language = str(get_locale())
    question = services.open_question_of(run, "booth")
    if question is not None and form is None:
        form = answer_form(question, language, formdata=None)
    return render_template(
        "polls/booth.html", run=run, question=question, form=form, language=language
    ), status


@bp.post("/questions/<int:question_id>")
def answer(question_id: int):
    """Store one student's answer under a fresh pseudonym, then clear the screen."""
    question = next((q for q in g.run.questions if q.id == question_id), None)
    if question is None:
        return render_error(404, _("This question is not part of this lesson."))
    if not question.takes_answers_from("booth"):
        flash(_("This poll is closed. The answer was not saved."), "error")
        return redirect(url_for("booth.index"), 303)
    limit = g.run.join_limit
    if limit is not None and answers.count_answers(question) >= limit:
        # Every student of the lesson (and the two spare) answered: more would be padding.
        flash(
            _("Everyone in this lesson has answered this poll. The answer was not saved."), "error"
        )
        return redirect(url_for("booth.index"), 303)
    form = answer_form(question, str(get_locale()))
    if not form.validate_on_submit():
        return _render_booth(form, 400)
    value, text = form_value(question, form)
    try:
        answers.store_answer(question, secrets.token_urlsafe(16), value=value, text=text)
    except answers.InvalidAnswer:
        return render_error(400, _("That answer does not fit this question."))
    db.session.commit()
    flash(_("Thank you, your answer is in. Pass the device on to the next student."), "success")
    return redirect(url_for("booth.index"), 303)
