"""A teacher's control of their own runs: start, present, step through polls, end."""

from io import BytesIO

import segno
from flask import (
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.forms import EmptyForm
from ..catalogue.store import module_for, module_of_version
from ..catalogue.urls import module_url
from ..converters import MAX_ID
from ..coordination.models import Assignment
from ..coordination.services import assignment_for_teacher, teachable_classes
from ..coordination.signals import assignments_loaded
from ..errors import render_error
from ..extensions import db
from ..vocabulary import ASKED_STATUSES
from . import answers, flow, join_tickets, services, sessions
from .blueprint import bp
from .forms import JoinLimitForm, OwnQuestionForm, StartRunForm
from .models import Question, Run
from .pages import back_to, question_or_404, render_detail, view_model
from .presenting import screen
from .signals import lesson_started

QUESTION_ACTIONS = {
    "open": services.open_question,
    "close": services.close_question,
    "release": services.release_results,
    "reveal": services.reveal_question,
    "skip": services.skip_question,
    "restore": services.restore_question,
}


# Why a question does not open for answers in the way the class answers now.
PATH_REFUSALS = {
    "counted": lambda: _(
        "This poll was counted by hand, so it does not open for phones or the booth: "
        "new answers beside the counted ones could give one away."
    ),
    "devices": lambda: _(
        "This poll was answered on phones, so it does not open for another way of answering."
    ),
    "booth": lambda: _(
        "This poll was answered at the shared device, so it does not open for another way "
        "of answering."
    ),
}


@bp.get("/")
def index():
    """List the current teacher's runs, newest first."""
    runs = db.session.scalars(
        db.select(Run).where(Run.teacher_id == current_user.id).order_by(Run.id.desc()).limit(100)
    ).all()
    return render_template("polls/index.html", runs=runs, action_form=EmptyForm())


@bp.post("/")
def create():
    """Start a run of a module for one of the teacher's own active classes."""
    form = StartRunForm()
    classes = teachable_classes(current_user)
    form.set_classes(classes)
    slug = form.module.data or ""
    fixing = _fixing_assignment(form.assignment.data, slug)
    if fixing is not None:
        # The programme's version, also of a module no library or school page has.
        module = module_of_version(fixing.module_version)
    else:
        module = module_for(current_user, slug)
    if module is None:
        return render_error(404, _("This module does not exist."))
    form.set_languages(list(module.texts))
    if not form.validate_on_submit():
        flash(_("Choose one of your classes and a language."), "error")
        return redirect(_start_page(fixing, module.slug)), 303
    school_class = next(c for c in classes if c.id == form.school_class.data)
    # The lesson's own size; only the coordinator changes the class's.
    class_size = form.class_size.data or school_class.size
    if class_size is None:
        flash(
            _("How many students are in this class? Give the number to start the lesson."), "error"
        )
        return redirect(
            _start_page(fixing, module.slug, **{"class": school_class.id}) + "#start-heading", 303
        )
    assignment = None
    if form.assignment.data:
        assignment = _own_assignment(form.assignment.data, module.slug, school_class.id)
        if assignment is None:
            return render_error(400, _("This assignment is not yours or is for another class."))
    paused = sessions.paused_runs(current_user, module.slug, school_class.id)
    if paused and "second_lesson" not in request.form:
        return render_template(
            "polls/confirm_second_lesson.html", paused=paused[0], action_form=EmptyForm()
        ), 409
    version = fixing.module_version if fixing is not None else None
    run = services.start_run(
        module, school_class, current_user, form.language.data, class_size, version
    )
    run.assignment = assignment
    run.programme_id = assignment.programme_id if assignment else None
    lesson_started.send(run)
    run.answer_mode = form.answer_mode.data or "devices"
    db.session.commit()
    return redirect(url_for("polls.present", run_id=run.id), 303)


def _fixing_assignment(value: str | None, slug: str) -> Assignment | None:
    """The teacher's assignment of this module that fixes its version (a programme's), if any.

    Its version wins over the module the slug names in the school now, and it is the only
    way to a programme's own module, which the school does not have.
    """
    if not value or not value.isdigit() or int(value) > MAX_ID:
        return None
    assignment = assignment_for_teacher(current_user.school, current_user, int(value))
    if assignment is None or assignment.module_version is None:
        return None
    return assignment if assignment.module_slug == slug else None


def _start_page(fixing: Assignment | None, slug: str, **arguments) -> str:
    """The page the lesson is started from: the module's, or the programme's own module's."""
    if fixing is not None:
        assignments_loaded.send([fixing])  # the programmes package names its page, if any
        if getattr(fixing, "module_page", None):
            return fixing.module_page
    return module_url(slug, **arguments)


def _own_assignment(value: str, slug: str, class_id: int) -> Assignment | None:
    """The current teacher's assignment of this module to this class, if that is what it is."""
    if not value.isdigit() or int(value) > MAX_ID:
        return None
    assignment = assignment_for_teacher(current_user.school, current_user, int(value))
    if assignment is None or assignment.module_slug != slug or assignment.class_id != class_id:
        return None
    return assignment


@bp.get("/<int:run_id>")
def detail(run_id: int):
    """The teacher's own screen: the guide and prompts for what the projector shows."""
    return render_detail(OwnQuestionForm(formdata=None))


@bp.get("/<int:run_id>/present")
def present(run_id: int):
    """The projector: join code, link and QR, then one step of the lesson at a time."""
    context = view_model(g.run)
    current = context["current"]
    cloud = []
    if current is not None and current.kind.is_text:
        cloud = answers.word_cloud(context["results"].get(current.id), current)
    return render_template("polls/present.html", cloud=cloud, **screen(g.run), **context)


@bp.get("/<int:run_id>/state")
def state(run_id: int):
    """What the teacher's pages poll: the version, answers so far and phones joined.

    A new batch of open answers for the teacher counts as a new version of the page.
    """
    run = g.run
    # One count by position: the projector asks every few seconds, and needs no question rows.
    position = run.current_position
    count, batched = answers.count_answers_at(run, position) if position is not None else (0, 0)
    version, etag = services.presenter_state(run.version, run.joined, count, batched)
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    response = jsonify(version=version, answers=count, joined=run.joined, open=run.is_open)
    response.set_etag(etag)
    return response


@bp.get("/<int:run_id>/qr.svg")
def qr_code(run_id: int):
    """The join link of the run as a QR code (SVG), with its ticket (docs/join-codes.md)."""
    code = g.run.join_code
    url = url_for("student.join_link", code=code, t=join_tickets.ticket(code), _external=True)
    buffer = BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=10, border=2, xmldecl=False)
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


def _open_run_or_409():
    if g.run.is_paused:
        return render_error(409, _("This lesson is paused. Resume it first."))
    if not g.run.is_open:
        return render_error(409, _("This lesson has ended."))
    return None


@bp.post("/<int:run_id>/questions/<int:question_id>/<action>")
def question_action(run_id: int, question_id: int, action: str):
    """Open, close, reveal, skip or restore one question of the teacher's open run."""
    if action not in QUESTION_ACTIONS:
        abort(404)
    question = question_or_404(question_id)
    if (refused := _open_run_or_409()) is not None:
        return refused
    if action == "release" and question.status not in ASKED_STATUSES:
        abort(404)
    try:
        made = QUESTION_ACTIONS[action](question)
    except services.PathRefused as refusal:
        db.session.rollback()
        return render_error(409, PATH_REFUSALS[refusal.reason]())
    if action in ("open", "reveal"):
        flow.sync_to_question(g.run, question)
    db.session.commit()
    if action in ("release", "reveal") and not made:
        flash(_no_new_release(question), "info")
    return redirect(back_to(g.run), 303)


def _no_new_release(question: Question) -> str:
    """Why the results stayed as they were."""
    k = answers.min_answers(g.run)
    if answers.results(question, g.run.language) is None:
        return _(
            "Results appear from %(k)d answers, so that no single answer can be recognised.", k=k
        )
    return _(
        "The results stay as they were: new results appear once at least %(k)d answers "
        "have been added or changed, so that nobody's answer can be worked out.",
        k=k,
    )


@bp.post("/<int:run_id>/join-limit")
def join_limit(run_id: int):
    """Let more phones join (for a student with a second device, or a guest)."""
    if (refused := _open_run_or_409()) is not None:
        return refused
    form = JoinLimitForm()
    if not form.validate_on_submit():
        flash(_("Give a number of phones from 1 to 200."), "error")
        return redirect(back_to(g.run), 303)
    g.run.join_limit = form.limit.data
    g.run.touch()
    db.session.commit()
    return redirect(back_to(g.run), 303)


@bp.post("/<int:run_id>/flow/<any(next, previous):direction>")
def step(run_id: int, direction: str):
    """Move the projector one step forward or back in the guided flow.

    Next on the last step of a session first asks whether to pause until the next one.
    """
    if (refused := _open_run_or_409()) is not None:
        return refused
    if direction == "next" and "go_on" not in request.form and flow.at_session_end(g.run):
        where = request.args.get("from", "")
        return redirect(url_for("polls.confirm_pause", run_id=g.run.id, **{"from": where}), 303)
    flow.move(g.run, 1 if direction == "next" else -1)
    db.session.commit()
    return redirect(back_to(g.run), 303)


@bp.get("/<int:run_id>/delete")
def confirm_delete(run_id: int):
    """Ask before deleting the run and its answers."""
    return render_template("polls/confirm_delete.html", run=g.run, action_form=EmptyForm())


@bp.post("/<int:run_id>/delete")
def delete(run_id: int):
    """Delete the run with every answer in it, for good."""
    answers.delete_run_answers(g.run)
    db.session.delete(g.run)
    db.session.commit()
    answers.forget_deleted()
    flash(_("The lesson and all its answers have been deleted."), "info")
    return redirect(url_for("polls.index"), 303)
