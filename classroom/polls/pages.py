"""What several of the lesson's pages share: the run's view model, the teacher's screen."""

from flask import abort, g, render_template, request, url_for
from flask_login import current_user

from ..accounts.forms import EmptyForm
from ..catalogue.store import module_for
from ..coordination.services import teachable_classes
from ..extensions import db
from ..lessons.content import get_library
from ..vocabulary import ASKED_STATUSES
from . import answers, flow, module_text, saved_questions, services, sessions
from .blueprint import bp
from .forms import JoinLimitForm, OwnQuestionForm, StartRunForm
from .models import Question, Run
from .presenting import screen


@bp.app_template_global()
def start_run_form(slug: str, language: str) -> StartRunForm:
    """The form on a module page that starts a run for one of the teacher's classes."""
    assignment = request.args.get("assignment", type=int)
    classes = teachable_classes(current_user)
    chosen = request.args.get("class", type=int)
    module = module_for(current_user, slug)
    if chosen is None and module is not None:
        # The first class in the years the module is for (lower: years 1-3, upper: 4-6).
        years = module.text(language).years
        fitting = [c for c in classes if ("lower" if c.year <= 3 else "upper") in years]
        chosen = fitting[0].id if fitting else None
    sizes = {c.id: c.size for c in classes if c.size}
    form = StartRunForm(
        module=slug,
        language=language,
        assignment=assignment or "",
        school_class=chosen,
        class_size=sizes.get(chosen),
        formdata=None,
    )
    form.class_sizes = sizes
    form.set_classes(classes)
    if module is not None:
        form.set_languages(list(module.texts))
    return form


@bp.app_template_global()
def paused_lessons(slug: str) -> list[Run]:
    """The current teacher's paused lessons of a module, for its page."""
    return sessions.paused_runs(current_user, slug)


@bp.app_template_global()
def teacher_page_version(run: Run) -> str:
    """The version a teacher's live page starts from, as the state poll words it: with the
    batches of open answers, so that the first poll does not swap in the same page again."""
    position = run.current_position
    count, batched = answers.count_answers_at(run, position) if position is not None else (0, 0)
    shown, _etag = services.presenter_state(run.version, run.joined, count, batched)
    return shown


def question_or_404(question_id: int) -> Question:
    """A question of the run in the URL."""
    question = next((q for q in g.run.questions if q.id == question_id), None)
    if question is None:
        abort(404)
    return question


def view_model(run: Run) -> dict:
    """Everything the control, projector and summary pages show of a run: releases only."""
    language = run.language  # the lesson's language, chosen at the start
    counts = answers.count_answers_per_question(run)
    results = answers.run_results(run, language)
    by_key = {q.key: q for q in run.questions}
    comparisons = {
        q.id: answers.compare(by_key[q.compare_to], results[by_key[q.compare_to].id], results[q.id])
        for q in run.questions
        if q.compare_to in by_key and q.status != "ready"
    }
    all_steps = flow.steps(run)
    step_index = flow.current_index(run, all_steps)
    step = all_steps[step_index]
    return {
        "run": run,
        "language": language,
        "counts": counts,
        "results": results,
        "comparisons": comparisons,
        "step": step,
        "step_number": step_index + 1,
        "step_count": len(all_steps),
        "phases": {p["key"]: p for p in flow.phases(run, language)},
        "guide": module_text.guide(run, step.phase),
        "ground_rules": get_library().ground_rules.get(language),
        "current": step.question,
        "recap": sessions.recap_questions(run, step.phase) if step.kind == "recap" else [],
        "k": answers.min_answers(run),
        "class_size": run.class_size,
        "who_is_in": services.who_is_in(run, counts),
        "join_url": url_for("student.join_link", code=run.join_code, _external=True),
        "join_form_url": url_for("student.join", _external=True),
        "action_form": EmptyForm(),
    }


def render_detail(question_form: OwnQuestionForm, status: int = 200):
    """The teacher's screen with the moderation queues and the own-question form."""
    run = g.run
    if run.ended_at is None and run.is_expired:  # also a pause that lasted too long
        services.end_run(run, at=run.expires_at)
        db.session.commit()
    queues = {q.id: answers.moderation_queue(q) for q in run.questions if q.kind.is_text}
    changed = answers.pending_changes_of_run(run)  # one query, not one per question
    pending = {
        q.id: changed.get(q.id, 0)
        for q in run.questions
        if q.status in ASKED_STATUSES and not q.kind.is_text
    }
    context = view_model(run)
    return render_template(
        "polls/detail.html",
        queues=queues,
        pending=pending,
        question_form=question_form,
        saved=saved_questions.saved_questions(current_user, run.language) if run.is_open else [],
        limit_form=JoinLimitForm(formdata=None, limit=run.join_limit),
        **screen(run, context["results"]),
        **context,
    ), status


def back_to(run: Run) -> str:
    """Return to the page the teacher acted from: the projector or the control page."""
    views = {"present": "polls.present", "companion": "polls.companion"}
    view = views.get(request.args.get("from", ""), "polls.detail")
    return url_for(view, run_id=run.id)
