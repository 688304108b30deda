"""The booth: one shared device on which students answer one at a time.

The teacher turns a device into the booth from their own login; that ends
the teacher's session on the device, which from then on holds only a booth
token scoped to the run. Each "done" stores the answer with a fresh random
device token (so every answer has its own pseudonym), then shows an empty
form: nothing of the previous answer, never any results. The teacher ends
the round from their own screen, which makes the booth token worthless.

In a booth round (`services.open_booth_round`: the teacher is on a phase's step)
one student's turn answers every open question of the phase on one page, then
the device asks "Ready for the next student?". Each answer still gets its own
random pseudonym, and each turn form carries a turn id that counts once.
"""

import hmac
import secrets

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField

from ..errors import render_error
from ..extensions import db
from ..polls import answers, services
from ..polls.answer_forms import answer_form, form_value
from ..polls.models import Question, Run

bp = Blueprint("booth", __name__, url_prefix="/booth")


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
        return render_template("booth/closed.html"), 410
    g.run = run
    return None


@bp.after_request
def never_cache(response):
    """Nothing of an answer may come back from a cache or the back button."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index():
    """The booth screen: a turn of the open round, the open question, or a waiting screen."""
    questions = services.booth_round_questions(g.run)
    if questions:
        return _render_turn(questions, _turn_forms(questions, formdata=None))
    return _render_booth()


def _render_booth(form=None, status: int = 200):
    run: Run = g.run
    language = str(get_locale())
    question = services.open_question_of(run, "booth")
    if question is not None and form is None:
        form = answer_form(question, language, formdata=None)
    return render_template(
        "booth/index.html", run=run, question=question, form=form, language=language
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
    if g.run.booth_round is not None:
        # A round's answers come in whole turns only, so that every turn counts once.
        return _refuse(409, _("A booth round is open: answer its questions together."))
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


class TurnForm(FlaskForm):
    """One student's turn in a booth round: the CSRF token and the turn's id (used once)."""

    turn = HiddenField()


def _turn_forms(questions: list[Question], formdata) -> dict[int, FlaskForm]:
    """An answer form per question of the round, each under its own prefix, no CSRF of its own.

    A ranking starts blank here (not in the options' order), so that a student who
    leaves it out does not hand in the options' order as an answer.
    """
    language = str(get_locale())
    forms = {}
    for question in questions:
        prefix = f"q{question.id}"
        form = answer_form(question, language, formdata=formdata, prefix=prefix, meta=NO_CSRF)
        _blank_places(form, formdata)
        forms[question.id] = form
    return forms


# The turn form carries the one CSRF token of the page.
NO_CSRF = {"csrf": False}


def _blank_places(form, formdata) -> None:
    # Only a ranking has place fields; other forms start blank anyway.
    for field in form.place_fields():
        field.coerce = _place_or_none
        field.choices = [("", "–"), *field.choices]
        field.process(formdata)


def _place_or_none(value) -> int | None:
    return None if value in ("", None) else int(value)


def _render_turn(questions: list[Question], forms: dict, form: TurnForm | None = None, status=200):
    run: Run = g.run
    if form is None:
        form = TurnForm(formdata=None, turn=f"{run.booth_round}:{run.booth_turns}")
    return render_template(
        "booth/turn.html",
        run=run,
        questions=questions,
        forms=forms,
        turn_form=form,
        language=str(get_locale()),
    ), status


def _answered(question: Question) -> bool:
    """Whether the student gave anything for this question (they may leave one out)."""
    prefix = f"q{question.id}-"
    return any(
        value.strip()
        for key, values in request.form.lists()
        if key.startswith(prefix)
        for value in values
    )


@bp.post("/turn")
def turn():
    """Store one student's answers to the round's questions, each under a fresh pseudonym.

    The turn id counts the turn once (`services.count_booth_turn`): a double click,
    the back button or a form of a closed round stores nothing and counts nothing.
    """
    run: Run = g.run
    questions = services.booth_round_questions(run)
    form = TurnForm()
    if not form.validate_on_submit():
        return _refuse(400, _("This page was open too long. Nothing was saved: answer again."))
    if not questions or not (form.turn.data or "").startswith(f"{run.booth_round}:"):
        return _refuse(409, _("This round of the booth has closed. The answers were not saved."))
    if run.join_limit is not None and run.booth_turns >= run.join_limit:
        # Every student of the lesson (and the two spare) had a turn: more would be padding.
        return _refuse(
            409, _("Everyone in this lesson has had a turn. The answers were not saved.")
        )
    forms = _turn_forms(questions, request.form)
    given = [q for q in questions if _answered(q)]
    if not given:
        flash(_("Answer at least one question, then press Done."), "error")
        return _render_turn(questions, forms, form, 400)
    valid = [forms[q.id].validate() for q in given]  # each form, so every error shows at once
    if not all(valid):
        return _render_turn(questions, forms, form, 400)
    if not services.count_booth_turn(run, form.turn.data):
        db.session.rollback()
        flash(_("This turn was already handed in. Nothing was saved twice."), "info")
        return redirect(url_for("booth.ready"), 303)
    try:
        for question in given:
            value, text = form_value(question, forms[question.id])
            answers.store_answer(question, secrets.token_urlsafe(16), value=value, text=text)
    except answers.InvalidAnswer:
        db.session.rollback()
        return _refuse(400, _("That answer does not fit this question."))
    db.session.commit()
    return redirect(url_for("booth.ready"), 303)


def _refuse(status: int, message: str):
    """A booth page that says why nothing was saved, with the way back to the booth."""
    db.session.rollback()
    return render_template("booth/refused.html", run=g.run, message=message), status


@bp.get("/ready")
def ready():
    """Between two turns: one big button for the next student; nothing of the last turn."""
    return render_template("booth/ready.html", run=g.run, language=str(get_locale()))
