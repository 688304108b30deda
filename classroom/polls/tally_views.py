"""Lessons without a device per student: how the class answers, and tallies typed in.

A tally is typed in per question, or for a whole phase at once in a grid that
mirrors the printable tally sheet; either way every count is stored by
`answers.store_tally`. Routes of the `polls` blueprint, so its guard lets only the
run's own teacher in.
"""

from dataclasses import dataclass, field

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..catalogue.urls import module_pack_url
from ..errors import render_error
from ..extensions import db
from ..lessons.packs import render_pack
from ..vocabulary import TALLY_MODES
from . import answers, flow, module_text, services
from .blueprint import bp
from .models import Question, Run
from .pages import question_or_404
from .tally_forms import (
    AnswerModeForm,
    TallyForm,
    answer_mode_choices,
    cell_labels,
    phase_tally_form,
    tally_form,
)

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
# The same rules in the words of hands up: students present, not slips.
HANDS_ERRORS = {
    "empty": lambda: _("There is nothing to store: type the raised hands."),
    "more_than_slips": lambda: _("There are more raised hands than students present. Count again."),
    "too_few_ticks": lambda: _(
        "Every student raised a hand at least once, so the hands together cannot be fewer "
        "than the students present. Count again."
    ),
    "ranking_sums": lambda: _(
        "Every option has a place for every student: each row and each column must add up "
        "to the number of students present."
    ),
}


def tally_error(reason: str, counted_by: str, question: Question) -> str:
    """What a refused tally says, in the words of its way of answering."""
    if reason == "slips":
        if counted_by == "hands":
            return _(
                "The number of students present must be from 1 to %(size)d, as many as may "
                "be in this lesson.",
                size=answers.max_slips(question),
            )
        return _(
            "The number of slips must be from 1 to %(size)d, as many as may be in this lesson.",
            size=answers.max_slips(question),
        )
    if counted_by == "hands" and reason in HANDS_ERRORS:
        return HANDS_ERRORS[reason]()
    return TALLY_ERRORS[reason]()


@bp.app_template_global()
def counted_by_of(question: Question) -> str:
    """How the question's counts come in, from the lesson's way of answering.

    "hands" in a hands-up lesson where hands up is allowed for it; "hand" (paper
    slips) otherwise: a sensitive poll or an open answer goes on a slip.
    """
    if question.run.answer_mode == "hands" and answers.hands_allowed(question):
        return "hands"
    return "hand"


@bp.app_template_global()
def lettered(run: Run) -> bool:
    """Whether the projector letters the options: in lessons answered on paper or by hands."""
    return run.answer_mode in TALLY_MODES


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


def _origin() -> str | None:
    """The compact screen posts its hands-up count here and gets it back afterwards."""
    return "companion" if request.args.get("from") == "companion" else None


def _tally_page(question, form, counted_by: str, status: int = 200):
    return render_template(
        "polls/tally.html",
        run=g.run,
        question=question,
        wording=question.text(g.run.language),
        form=form,
        counted_by=counted_by,
        origin=_origin(),
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


@bp.app_template_global()
def hands_tally_form(question: Question) -> TallyForm:
    """The empty hands-up count of a question, for the +1 buttons of the compact screen."""
    form = tally_form(question, g.run.language, "hands", formdata=None)
    for box in form.count_fields():
        box.data = "0"  # counting starts at nothing; +1 or typing goes from there
    if g.run.class_size:
        form.slips.data = str(g.run.class_size)  # the size confirmed at the start
    return form


@bp.get("/<int:run_id>/questions/<int:question_id>/tally")
def tally(run_id: int, question_id: int):
    """The tally screen: type in the counts of the paper slips or raised hands."""
    question = question_or_404(question_id)
    counted_by = _counted_by()
    if (refused := _refused(question, counted_by)) is not None:
        return refused
    form = tally_form(question, g.run.language, counted_by, formdata=None)
    return _tally_page(question, form, counted_by)


def stored_message(stored: int, counted_by: str) -> str:
    """What the teacher reads once counts are stored, in the words of the way of answering."""
    if counted_by == "hands":
        return ngettext(
            "%(num)d raised hand stored, marked as hands up.",
            "%(num)d raised hands stored, marked as hands up.",
            stored,
        )
    return ngettext(
        "%(num)d answer stored from the slips, counted by hand.",
        "%(num)d answers stored from the slips, counted by hand.",
        stored,
    )


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
    data = question.kind.tally_data(form)
    try:
        stored = answers.store_tally(question, counted_by, int(form.slips.data), **data)
    except answers.TallyError as error:
        db.session.rollback()
        status = 409 if error.reason in ("answered", "hands", "mode") else 400
        message = tally_error(error.reason, counted_by, question)
        flash(message + " " + _("Nothing was stored."), "error")
        question = question_or_404(question_id)
        return _tally_page(question, form, counted_by, status)
    if question.status == "ready":
        # Counted from the slips: there is nothing left to open.
        question.status = "closed"
    db.session.commit()
    flash(stored_message(stored, counted_by), "success")
    if _origin() == "companion":
        return redirect(url_for("polls.companion", run_id=run_id), 303)
    return redirect(url_for("polls.detail", run_id=run_id) + f"#question-{question_id}", 303)


# --- one tally page per phase -----------------------------------------------------------


@dataclass
class GridRow:
    """One question of a phase's grid; `state` says whether it has boxes and why not."""

    question: Question
    number: int  # its number on the slip of the phase
    state: str  # "count", "stored", "skipped" or "own_page"
    counted_by: str
    cells: list[tuple[str, str]] = field(default_factory=list)
    why: str = ""


@bp.app_template_global()
def tally_phases(run: Run) -> list[dict]:
    """The run's phases that have questions, each with the key and title the grid needs."""
    keys = {q.phase for q in run.questions}
    return [phase for phase in flow.phases(run, run.language) if phase["key"] in keys]


def _phase_or_404(phase_key: str) -> dict:
    phase = next((p for p in tally_phases(g.run) if p["key"] == phase_key), None)
    if phase is None:
        abort(404)
    return phase


def grid_rows(run: Run, phase_key: str, counts: dict[int, int]) -> list[GridRow]:
    """The phase's questions in slip order, with their boxes or why they have none."""
    rows = []
    questions = [q for q in run.questions if q.phase == phase_key]
    for number, question in enumerate(questions, start=1):
        row = GridRow(question, number, "count", counted_by_of(question))
        if question.status == "skipped":
            row.state, row.why = "skipped", _("Skipped in this lesson.")
        elif counts.get(question.id, 0) > 0:
            row.state = "stored"
            row.why = ngettext(
                "%(num)d answer stored.", "%(num)d answers stored.", counts[question.id]
            )
        elif not question.kind.in_grid:
            # Why its counts do not fit a row of the grid: they are typed on its own page.
            row.state, row.why = "own_page", str(question.kind.own_tally_page)
        if question.kind.in_grid:
            row.cells = cell_labels(question, run.language)
        rows.append(row)
    return rows


def _grid_refused():
    if not g.run.is_open:
        return render_error(409, _("This lesson has ended."))
    if g.run.answer_mode not in TALLY_MODES:
        return render_error(409, TALLY_ERRORS["mode"]())
    return None


def _grid_form(rows: list[GridRow], **kwargs):
    counting = [row.question for row in rows if row.state == "count"]
    label = _("Students present") if g.run.answer_mode == "hands" else _("Number of slips")
    return phase_tally_form(counting, g.run.language, label, **kwargs)


def _grid_page(phase: dict, rows, form, status: int = 200, row_errors=None):
    return render_template(
        "polls/tally_phase.html",
        run=g.run,
        phase=phase,
        rows=rows,
        form=form,
        row_errors=row_errors or {},
        hands=g.run.answer_mode == "hands",
        max_slips=answers.max_slips(rows[0].question),
        k=answers.min_answers(g.run),
    ), status


@bp.get("/<int:run_id>/phases/<phase_key>/tally")
def tally_phase(run_id: int, phase_key: str):
    """One page for every count of a phase: a row per question, a box per option."""
    phase = _phase_or_404(phase_key)
    if (refused := _grid_refused()) is not None:
        return refused
    rows = grid_rows(g.run, phase_key, answers.count_answers_per_question(g.run))
    return _grid_page(phase, rows, _grid_form(rows, formdata=None))


@bp.post("/<int:run_id>/phases/<phase_key>/tally")
def store_tally_phase(run_id: int, phase_key: str):
    """Store every typed row of the grid, each as the per-question tally does; all or nothing."""
    phase = _phase_or_404(phase_key)
    if (refused := _grid_refused()) is not None:
        return refused
    rows = grid_rows(g.run, phase_key, answers.count_answers_per_question(g.run))
    form = _grid_form(rows)
    if not form.validate_on_submit():
        return _grid_refusal(phase, rows, form, 400)
    filled = form.filled_rows()
    if not filled:
        return _grid_refusal(phase, rows, form, 400, {None: _grid_empty_message()})
    slips = int(form.slips.data)
    row_errors, status, stored = {}, 400, 0
    for row in rows:
        if row.question.id not in filled:
            continue
        try:
            stored += answers.store_tally(
                row.question, row.counted_by, slips, counts=filled[row.question.id]
            )
        except answers.TallyError as error:
            if error.reason in ("answered", "hands", "mode"):
                status = 409
            message = tally_error(error.reason, row.counted_by, row.question)
            if error.reason == "slips":
                form.slips.errors = [message]
            else:
                row_errors[row.question.id] = message
    if row_errors or form.slips.errors:
        db.session.rollback()
        rows = grid_rows(g.run, phase_key, answers.count_answers_per_question(g.run))
        return _grid_refusal(phase, rows, form, status, row_errors)
    for row in rows:
        if row.question.id in filled and row.question.status == "ready":
            row.question.status = "closed"  # counted: there is nothing left to open
    db.session.commit()
    flash(stored_message(stored, "hands" if g.run.answer_mode == "hands" else "hand"), "success")
    return redirect(url_for("polls.tally_phase", run_id=run_id, phase_key=phase_key), 303)


def _grid_empty_message() -> str:
    if g.run.answer_mode == "hands":
        return HANDS_ERRORS["empty"]()
    return TALLY_ERRORS["empty"]()


def _grid_refusal(phase, rows, form, status: int, row_errors=None):
    flash(_("Check the boxes marked below. Nothing was stored."), "error")
    return _grid_page(phase, rows, form, status, row_errors)


@bp.get("/<int:run_id>/phases/<phase_key>/tally-sheet")
def tally_sheet(run_id: int, phase_key: str):
    """The printable tally sheet of a phase: the grid's rows and letters with boxes for marks."""
    phase = _phase_or_404(phase_key)
    rows = grid_rows(g.run, phase_key, answers.count_answers_per_question(g.run))
    return render_template(
        "polls/tally_sheet.html",
        run=g.run,
        phase=phase,
        rows=rows,
        hands=g.run.answer_mode == "hands",
        columns=max((len(row.cells) for row in rows), default=0),
    )
