"""The conversation around the polls: moderation, own questions, support, the summary."""

import uuid

from flask import abort, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..csv_files import csv_response, export_filename
from ..errors import render_error
from ..extensions import db
from ..timeutil import as_utc
from . import answers, flow, saved_questions, services
from .blueprint import bp
from .forms import OwnQuestionForm
from .pages import back_to, question_or_404, render_detail, view_model


@bp.post(
    "/<int:run_id>/questions/<int:question_id>/answers/<answer_id>/<any(approve, hide):decision>"
)
def moderate(run_id: int, question_id: int, answer_id: str, decision: str):
    """Approve an open answer for the class to see, or hide it for good."""
    question = question_or_404(question_id)
    try:
        response_id = uuid.UUID(answer_id)
    except ValueError:
        abort(404)
    state = "approved" if decision == "approve" else "hidden"
    confirmed = request.form.get("confirm") == "yes"
    outcome = answers.moderate(question, response_id, state, confirmed=confirmed)
    if outcome == "unknown":
        abort(404)
    if outcome == "confirm":
        return render_error(409, _flagged_needs_confirmation())
    if question.revealed:
        answers.release(question)
    g.run.touch()
    db.session.commit()
    return redirect(back_to(g.run), 303)


def _flagged_needs_confirmation() -> str:
    return _(
        "This answer was flagged, so it was not approved. Press Approve beside it, read why "
        "it was flagged and press Approve anyway if the class may see it."
    )


@bp.post("/<int:run_id>/questions")
def add_question(run_id: int):
    """Add a question of the teacher's own to the current phase."""
    if not g.run.is_open:
        return render_error(409, _("This lesson has ended."))
    form = OwnQuestionForm()
    if not form.validate_on_submit():
        return render_detail(form, 400)
    kind, content, correct = form.type.data, form.content(), form.correct_index()
    services.add_question(g.run, _current_phase(), kind, content, correct)
    if form.keep.data and not saved_questions.save_question(
        current_user, g.run.language, kind, content, correct
    ):
        flash(_too_many_saved(), "error")
    db.session.commit()
    return redirect(back_to(g.run), 303)


def _current_phase() -> str:
    step = flow.current_step(g.run)
    phases = flow.phases(g.run, g.run.language)
    return step.phase or (phases[0]["key"] if phases else "own")


def _too_many_saved() -> str:
    return _(
        "The question was added, but not saved: you keep at most %(most)d questions. "
        "Forget one you no longer use.",
        most=saved_questions.MAX_SAVED,
    )


@bp.post("/<int:run_id>/questions/saved/<int:saved_id>")
def add_saved_question(run_id: int, saved_id: int):
    """Add one of the teacher's saved questions to the current phase."""
    if not g.run.is_open:
        return render_error(409, _("This lesson has ended."))
    saved = saved_questions.own_saved_question(current_user, saved_id)
    if saved is None or saved.language != g.run.language:
        abort(404)
    services.add_question(g.run, _current_phase(), saved.type, saved.content, saved.correct)
    db.session.commit()
    return redirect(back_to(g.run), 303)


@bp.post("/<int:run_id>/questions/saved/<int:saved_id>/forget")
def forget_saved_question(run_id: int, saved_id: int):
    """Stop keeping a saved question (questions already added to lessons stay)."""
    saved = saved_questions.own_saved_question(current_user, saved_id)
    if saved is None:
        abort(404)
    db.session.delete(saved)
    db.session.commit()
    flash(_("The question is no longer saved."), "info")
    return redirect(back_to(g.run), 303)


@bp.post("/<int:run_id>/support/<any(show, hide):action>")
def support(run_id: int, action: str):
    """Show every student screen where to find help, without singling anyone out."""
    g.run.support_shown = action == "show"
    g.run.support_offered = g.run.support_offered or g.run.support_shown
    g.run.touch()
    db.session.commit()
    return redirect(back_to(g.run), 303)


@bp.get("/<int:run_id>/summary")
def summary(run_id: int):
    """Every question with its results, the comparisons and approved answers; printable."""
    return render_template("polls/summary.html", **view_model(g.run))


def counted_by_label(question) -> str:
    """How a question's answers were counted, as the CSV says it."""
    if question.counted_by == "hands":
        return _("counted by hand (hands up, not anonymous)")
    if question.counted_by == "hand":
        return _("counted by hand")
    return ""


@bp.get("/<int:run_id>/summary.csv")
def summary_csv(run_id: int):
    """The summary as CSV: one row per option (k-suppressed), approved open answers.

    Numbers stay in number columns; a hidden or not yet released figure leaves its
    cell empty and says why in the last column.
    """
    run = g.run
    language = run.language
    released = answers.run_results(run, language)
    counts = answers.count_answers_per_question(run)
    rows = []
    for question in run.questions:
        if not question.is_shown_to_class:
            continue
        wording = question.text(language)["question"]
        counted = counted_by_label(question)
        result = released[question.id]
        if result is None:
            note = _("no results yet: fewer than %(k)d answers", k=answers.min_answers(run))
            answered = counts.get(question.id, 0)
            rows.append(
                [question.key, wording, "", None, None, None, None, answered, counted, note]
            )
            continue
        for cells, hidden in question.kind.csv_cells(result):
            note = _("not shown") if hidden else ""
            rows.append([question.key, wording, *cells, result.total, counted, note])
    header = [
        _("question"), _("text"), _("answer"), _("count"), _("percent"),
        _("average place"), _("median"), _("answers"), _("counted by"), _("note"),
    ]  # fmt: skip
    filename = export_filename(
        run.module_slug, run.school_class.name, on=as_utc(run.created_at).date()
    )
    return csv_response(header, rows, filename)
