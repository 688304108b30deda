"""The coordinator's pages. Everything is fetched through the coordinator's own school."""

from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ..accounts import services as account_services
from ..accounts.decorators import require_role
from ..accounts.forms import EmptyForm
from ..accounts.mails import invitation_mail, reset_mail
from ..errors import render_error
from ..extensions import db
from ..mail import send_now
from ..timeutil import now_utc
from . import services
from .forms import AssignmentForm, ClassForm, InvitationForm
from .models import Assignment
from .settings import account_label, log_change
from .signals import assignment_deleted

bp = Blueprint("coordination", __name__, url_prefix="/school")

ERRORS = {
    "duplicate-class": lambda: _("This school already has a class with that name."),
    "archived": lambda: _("An archived class cannot get new assignments."),
    "other-school": lambda: _("That class or teacher is not part of your school."),
    "due-in-past": lambda: _("The date lies in the past. Choose today or a later date."),
    "email-taken": lambda: _("There already is an account or invitation with this e-mail address."),
}


# Pages the school's teachers may read too; what they show is decided in the view.
OPEN_TO_TEACHERS = {"coordination.settings"}


@bp.before_request
def coordinators_only():
    """Only the school's coordinators (teachers: read-only pages); queries go through g.school."""
    roles = ("teacher", "coordinator") if request.endpoint in OPEN_TO_TEACHERS else ("coordinator",)
    if (response := require_role(*roles)) is not None:
        return response
    g.school = current_user.school
    return None


def _today() -> date:
    return now_utc().date()


def _module_titles() -> dict[str, str]:
    return services.module_titles(g.school, str(get_locale()))


@bp.get("/teachers")
def teachers():
    """The school's staff, pending invitations and the form to invite a teacher."""
    return _render_teachers(InvitationForm(formdata=None))


def _render_teachers(form: InvitationForm, status: int = 200, **shown):
    """The Teachers page; `shown` holds what just happened (invited, refused, reset_failed)."""
    return (
        render_template(
            "coordination/teachers.html",
            staff=services.staff_of(g.school),
            invitations=account_services.pending_invitations(g.school),
            form=form,
            action_form=EmptyForm(),
            **shown,
        ),
        status,
    )


@bp.post("/teachers/invite")
def invite():
    """Create a single-use invitation and mail its link to the invited address."""
    form = InvitationForm()
    if not form.validate_on_submit():
        return _render_teachers(form, status=400)
    try:
        invitation, token = account_services.create_invitation(
            g.school, form.email.data, form.name.data
        )
    except account_services.AccountError as error:
        form.email.errors.append(ERRORS[str(error)]())
        return _render_teachers(form, status=409)
    message = invitation_mail(invitation, token, current_user)
    db.session.commit()
    # An invitation makes a new account and takes over none: its link may be shown too,
    # for when the mail does not arrive.
    invited = {
        "email": invitation.email,
        "link": url_for("accounts.accept_invitation", token=token, _external=True),
        "mailed": send_now(message),
    }
    return _render_teachers(InvitationForm(formdata=None), status=201, invited=invited)


@bp.post("/teachers/<int:user_id>/reset-mail")
def send_reset(user_id: int):
    """Mail a teacher of the school a single-use reset link; the coordinator never sees it."""
    user = services.member_of(g.school, user_id)
    if user is None or not user.active:
        abort(404)
    if account_services.password_refused(user):
        return _render_teachers(InvitationForm(formdata=None), status=409, refused=user)
    token = account_services.create_password_reset(user)
    message = reset_mail(user.email, user.name, token, sent_by=current_user)
    log_change(g.school, current_user, "password_reset_sent", None, account_label(user))
    db.session.commit()
    if not send_now(message):
        return _render_teachers(InvitationForm(formdata=None), status=503, reset_failed=user)
    flash(_("A mail with a reset link has been sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("coordination.teachers"), 303)


@bp.post("/teachers/<int:user_id>/<any(activate, deactivate):action>")
def set_active(user_id: int, action: str):
    """(De)activate a staff account of the school; never one's own."""
    user = services.member_of(g.school, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:
        return render_error(409, _("You cannot deactivate your own account."))
    services.set_active(g.school, user, action == "activate")
    db.session.commit()
    return redirect(url_for("coordination.teachers"), 303)


def _class_form(school_class=None, formdata=None) -> ClassForm:
    form = ClassForm(formdata=formdata, obj=school_class)
    form.teachers.choices = [
        SelectChoice(u.id, u.name) for u in services.staff_of(g.school) if u.active
    ]
    if school_class is not None and formdata is None:
        form.teachers.data = [t.id for t in school_class.teachers]
    return form


@bp.get("/classes")
def classes():
    """Active and archived classes, and the form for a new class."""
    return _render_classes(_class_form())


def _render_classes(form: ClassForm, status: int = 200):
    return (
        render_template(
            "coordination/classes.html",
            classes=services.classes_of(g.school),
            archived=services.classes_of(g.school, archived=True),
            form=form,
            action_form=EmptyForm(),
        ),
        status,
    )


def _save_class(form: ClassForm, school_class=None):
    teachers = [u for u in services.staff_of(g.school) if u.id in (form.teachers.data or [])]
    return services.save_class(
        g.school, school_class, form.name.data.strip(), form.level.data, form.year.data, teachers,
        form.size.data, changed_by=current_user,
    )  # fmt: skip


@bp.post("/classes")
def create_class():
    """Add a class; its name must be new in the school."""
    form = _class_form(formdata=request.form)
    if not form.validate_on_submit():
        return _render_classes(form, 400)
    try:
        _save_class(form)
    except services.CoordinationError as error:
        db.session.rollback()
        form.name.errors.append(ERRORS[str(error)]())
        return _render_classes(form, 409)
    db.session.commit()
    flash(_("The class has been added."), "success")
    return redirect(url_for("coordination.classes"), 303)


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
def update_class(class_id: int):
    """Edit a class's name, level, year and teachers."""
    school_class = services.class_of(g.school, class_id) or abort(404)
    form = _class_form(school_class, request.form if request.method == "POST" else None)
    status = 200
    if form.validate_on_submit():
        try:
            _save_class(form, school_class)
        except services.CoordinationError as error:
            db.session.rollback()
            form.name.errors.append(ERRORS[str(error)]())
            status = 409
        else:
            db.session.commit()
            flash(_("The class has been saved."), "success")
            return redirect(url_for("coordination.classes"), 303)
    elif request.method == "POST":
        status = 400
    return render_template("coordination/class.html", form=form, school_class=school_class), status


@bp.post("/classes/<int:class_id>/<any(archive, restore):action>")
def archive_class(class_id: int, action: str):
    """Archive a class (it keeps its history) or bring it back."""
    school_class = services.class_of(g.school, class_id) or abort(404)
    school_class.archived_at = now_utc() if action == "archive" else None
    db.session.commit()
    return redirect(url_for("coordination.classes"), 303)


def _assignment_form(formdata=None) -> AssignmentForm:
    form = AssignmentForm(formdata=formdata)
    titles = _module_titles()
    form.module.choices = [
        SelectChoice(slug, title) for slug, title in sorted(titles.items(), key=lambda i: i[1])
    ]
    form.classes.choices = [SelectChoice(c.id, c.name) for c in services.classes_of(g.school)]
    form.teacher.choices = [
        SelectChoice(u.id, u.name) for u in services.staff_of(g.school) if u.active
    ]
    return form


@bp.get("/assignments")
def assignments():
    """All assignments of the school with their status, and the form for new ones."""
    return _render_assignments(_assignment_form())


def _render_assignments(form: AssignmentForm, status: int = 200):
    return (
        render_template(
            "coordination/assignments.html",
            assignments=services.assignments_of(g.school),
            titles=services.module_names(g.school, str(get_locale())),
            today=_today(),
            form=form,
            action_form=EmptyForm(),
        ),
        status,
    )


@bp.post("/assignments")
def create_assignment():
    """Assign a module to one or more of the school's active classes."""
    form = _assignment_form(request.form)
    if not form.validate_on_submit():
        return _render_assignments(form, 400)
    classes = [services.class_of(g.school, class_id) for class_id in form.classes.data]
    teacher = services.member_of(g.school, form.teacher.data)
    if teacher is None or None in classes:
        form.classes.errors.append(ERRORS["other-school"]())
        return _render_assignments(form, 400)
    try:
        created = services.assign(
            g.school, classes, teacher, form.module.data, form.due_on.data, form.note.data,
            _today(),
        )  # fmt: skip
    except services.CoordinationError as error:
        db.session.rollback()
        field = form.due_on if str(error) == "due-in-past" else form.classes
        field.errors.append(ERRORS[str(error)]())
        return _render_assignments(form, 400)
    db.session.commit()
    message = ngettext(
        "The module was assigned to %(num)d class.",
        "The module was assigned to %(num)d classes.",
        len(created),
    )
    flash(message, "success")
    return redirect(url_for("coordination.assignments"), 303)


@bp.post("/assignments/<int:assignment_id>/delete")
def delete_assignment(assignment_id: int):
    """Remove an assignment; runs given for it stay, unlinked."""
    assignment = db.session.scalar(
        db.select(Assignment).where(
            Assignment.id == assignment_id, Assignment.school_id == g.school.id
        )
    ) or abort(404)
    assignment_deleted.send(assignment)
    db.session.delete(assignment)
    db.session.commit()
    return redirect(url_for("coordination.assignments"), 303)
