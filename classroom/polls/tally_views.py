"""Lessons without a device per student: how the class answers, and tallies typed in.

Routes of the `polls` blueprint, so its guard lets only the run's own teacher in.
"""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..authoring.urls import module_pack_url
from ..errors import render_error
from ..extensions import db
from ..lessons.views import render_pack
from . import answers, module_text, services
from .models import Run
from .tally_forms import AnswerModeForm, answer_mode_choices, tally_form
from .views import bp, question_or_404

TALLY_ERRORS = {
    "hands": lambda: _(
        "Hands up is not anonymous, so it is not offered for this poll. Use paper slips."
    ),
    "answered": lambda: _("This poll already has answers; counts can be typed in only once."),
    "empty": lambda: _("There is nothing to store: type the counts from the slips."),
    "count": lambda: _("Type a whole number of 0 or more in every box."),
    "more_than_slips": lambda: _("There are more answers than slips. Count again."),
    "too_few_ticks": lambda: _(
        "Every slip has at least one ticked box, so the counts together cannot be fewer "
        "than the slips. Count again."
    ),
    "ranking_sums": lambda: _(
        "Every option has a place on every slip: each row and each column must add up "
        "to the number of slips."
    ),
    "range": lambda: _("A number is outside the range of this question."),
    "too_long": lambda: _("An answer is too long."),
    "counted_by": lambda: _("Choose paper slips or hands up."),
    "value": lambda: _("These counts do not fit this question."),
    "mode": lambda: _(
        "Counts are typed in only in a lesson the class answers on paper or with hands up, "
        "so that they never sit beside answers from phones or the booth. Choose that way "
        "of answering first."
    ),
}


@bp.app_template_global()
def paper_pack_url(slug: str, language: str) -> str | None:
    """The module's printable pack with the answer slips in a language, if that page exists."""
    if "lessons.pack" not in current_app.view_functions:
        return None
    return module_pack_url(slug, language)


@bp.get("/<int:run_id>/pack/<any(nl, en):language>")
def pack(run_id: int, language: str):
    """The printable pack and answer slips of the module as the run started with it."""
    back = url_for("polls.detail", run_id=g.run.id)
    return render_pack(module_text.run_module(g.run), language, back_url=back)


@bp.app_template_global()
def answer_mode_label(mode: str) -> str:
    """The words for a way of answering."""
    return str(dict(answer_mode_choices()).get(mode, mode))


@bp.app_template_global()
def answer_mode_form(run: Run) -> AnswerModeForm:
    """The form that changes how the class of a run answers."""
    return AnswerModeForm(formdata=None, answer_mode=run.answer_mode)


@bp.post("/<int:run_id>/answer-mode")
def answer_mode(run_id: int):
    """Change how the class answers; the projector shows the matching instructions."""
    if not g.run.is_open:
        return render_error(409, _("This lesson has ended."))
    form = AnswerModeForm()
    if not form.validate_on_submit():
        return render_error(400, _("Choose one of the ways to answer."))
    if form.answer_mode.data != g.run.answer_mode:
        # An open poll closes: it reopens only for the way its answers came in.
        for question in g.run.questions:
            if question.status == "open":
                services.close_question(question)
        g.run.answer_mode = form.answer_mode.data
        if g.run.answer_mode != "booth":
            g.run.booth_key = None
    g.run.touch()
    db.session.commit()
    return redirect(url_for("polls.detail", run_id=g.run.id), 303)


def _counted_by() -> str:
    return "hands" if request.args.get("by") == "hands" else "hand"


def _tally_page(question, form, counted_by: str, status: int = 200):
    return render_template(
        "polls/tally.html",
        run=g.run,
        question=question,
        wording=question.text(g.run.language),
        form=form,
        counted_by=counted_by,
        max_slips=answers.max_slips(question),
        k=answers.min_answers(g.run),
    ), status


def _refused(question, counted_by: str):
    """Why a tally cannot be typed in for this question now, if it cannot."""
    if not g.run.is_open:
        return render_error(409, _("This lesson has ended."))
    if question.status == "skipped":
        return render_error(409, _("This poll was skipped."))
    if not answers.tally_allowed(question):
        return render_error(409, TALLY_ERRORS["mode"]())
    if counted_by == "hands" and not answers.hands_allowed(question):
        return render_error(409, TALLY_ERRORS["hands"]())
    return None


@bp.get("/<int:run_id>/questions/<int:question_id>/tally")
def tally(run_id: int, question_id: int):
    """The tally screen: type in the counts of the paper slips or raised hands."""
    question = question_or_404(question_id)
    counted_by = _counted_by()
    if (refused := _refused(question, counted_by)) is not None:
        return refused
    form = tally_form(question, g.run.language, counted_by, formdata=None)
    return _tally_page(question, form, counted_by)


@bp.post("/<int:run_id>/questions/<int:question_id>/tally")
def store_tally(run_id: int, question_id: int):
    """Store a tally as one anonymous answer per slip; a bad tally stores nothing."""
    question = question_or_404(question_id)
    counted_by = _counted_by()
    if (refused := _refused(question, counted_by)) is not None:
        return refused
    form = tally_form(question, g.run.language, counted_by)
    if not form.validate_on_submit():
        flash(_("Check the boxes marked below. Nothing was stored."), "error")
        return _tally_page(question, form, counted_by, 400)
    data = {}
    if question.type in ("single", "multiple", "scale"):
        data["counts"] = form.counts()
    elif question.type == "ranking":
        data["places"] = form.places()
    elif question.type == "estimate":
        data["numbers"] = form.numbers()
    else:
        data["texts"] = form.texts()
    try:
        stored = answers.store_tally(question, counted_by, int(form.slips.data), **data)
    except answers.TallyError as error:
        db.session.rollback()
        status = 409 if error.reason in ("answered", "hands", "mode") else 400
        if error.reason == "slips":
            message = _(
                "The number of slips must be from 1 to %(size)d, as many as may be in this lesson.",
                size=answers.max_slips(question),
            )
        else:
            message = TALLY_ERRORS[error.reason]()
        flash(message + " " + _("Nothing was stored."), "error")
        question = question_or_404(question_id)
        return _tally_page(question, form, counted_by, status)
    if question.status == "ready":
        # Counted from the slips: there is nothing left to open.
        question.status = "closed"
    db.session.commit()
    message = ngettext(
        "%(num)d answer stored, counted by hand.",
        "%(num)d answers stored, counted by hand.",
        stored,
    )
    flash(message, "success")
    return redirect(url_for("polls.detail", run_id=run_id) + f"#question-{question_id}", 303)
