"""The coordinator's side: invitations to programmes, accepting, declining, leaving, assigning.

Every route is the coordinator's, and reaches only their own school's invitations
(`membership.invitation_for` takes the school): another school's programme is a 404.
"""

from collections.abc import Callable
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from ..accounts.decorators import role_required
from ..accounts.forms import EmptyForm
from ..accounts.models import School
from ..coordination import services as coordination
from ..extensions import db
from ..timeutil import now_utc
from . import membership
from .blueprint import bp
from .models import MIN_NEW_SCHOOLS, MIN_SCHOOLS, Programme, ProgrammeSchool
from .participation import participation
from .school_forms import LeaveForm, ProgrammeAssignmentForm

STATUS_LABELS = {
    "invited": _l("invited"),
    "accepted": _l("taking part"),
    "declined": _l("declined"),
    "left": _l("left"),
}

REFUSALS = {
    "already-accepted": lambda: _("Your school already takes part in this programme."),
    "already-declined": lambda: _("Your school has already declined this programme."),
    "left-for-good": lambda: _(
        "Your school left this programme. A school that left cannot join it again."
    ),
    "ended": lambda: _("This programme has ended; it takes no new schools or lessons."),
    "leave-instead": lambda: _(
        "Your school takes part in this programme. To stop, leave the programme."
    ),
    "not-taking-part": lambda: _("Your school does not take part in this programme."),
    "already-left": lambda: _("Your school has already left this programme."),
    "not-accepted": lambda: _(
        "Only a school that takes part in a programme can plan its lessons; "
        "accept the invitation first."
    ),
    "other-school": lambda: _("That class or teacher is not part of your school."),
    "not-their-class": lambda: _("This teacher does not teach that class."),
    "archived": lambda: _("An archived class cannot get new assignments."),
    "due-in-past": lambda: _("The date lies in the past. Choose today or a later date."),
}


def _school() -> School:
    return current_user.school


def _today() -> date:
    return now_utc().date()


def _invitation_or_404(programme_id: int) -> ProgrammeSchool:
    return membership.invitation_for(_school(), programme_id) or abort(404)


@bp.get("/school/programmes")
@role_required("coordinator")
def invitations():
    """The programmes the school is invited to, takes part in, declined or left."""
    return render_template(
        "programmes/invitations.html",
        invitations=membership.invitations_of(_school()),
        labels=STATUS_LABELS,
        today=_today(),
    )


@bp.get("/school/programmes/<int:programme_id>")
@role_required("coordinator")
def school_programme(programme_id: int):
    """One programme: what it will see of the school, the buttons to answer, and planning."""
    return _render(_invitation_or_404(programme_id))


def _assignment_form(formdata=None) -> ProgrammeAssignmentForm:
    form = ProgrammeAssignmentForm(formdata=formdata)
    school = _school()
    form.school_class.choices = [
        SelectChoice(c.id, c.name) for c in coordination.classes_of(school)
    ]
    form.teacher.choices = [
        SelectChoice(u.id, u.name) for u in coordination.staff_of(school) if u.active
    ]
    return form


def _render(
    invitation: ProgrammeSchool,
    status: int = 200,
    error: str | None = None,
    leave_form: LeaveForm | None = None,
    assign_form: ProgrammeAssignmentForm | None = None,
):
    programme = invitation.programme
    school = _school()
    planned = [a for a in coordination.assignments_of(school) if a.programme_id == programme.id]
    return (
        render_template(
            "programmes/school_programme.html",
            invitation=invitation,
            programme=programme,
            school=school,
            line=participation(programme, school_id=school.id)[0],
            module_title=programme.title(str(get_locale())),
            ended=membership.has_ended(programme),
            labels=STATUS_LABELS,
            min_schools=MIN_SCHOOLS,
            min_new_schools=MIN_NEW_SCHOOLS,
            assignments=planned,
            today=_today(),
            error=error,
            action_form=EmptyForm(),
            leave_form=leave_form or LeaveForm(formdata=None),
            assign_form=assign_form or _assignment_form(),
        ),
        status,
    )


def _answer(programme_id: int, step: Callable, done: Callable[[Programme], str]):
    """Take one step of the school's answer, or show why not (409) with nothing changed."""
    invitation = _invitation_or_404(programme_id)
    try:
        step(invitation, current_user)
    except membership.MembershipError as refusal:
        db.session.rollback()
        return _render(invitation, 409, error=REFUSALS[str(refusal)]())
    db.session.commit()
    flash(done(invitation.programme), "success")
    return redirect(url_for("programmes.school_programme", programme_id=programme_id), 303)


@bp.post("/school/programmes/<int:programme_id>/accept")
@role_required("coordinator")
def accept(programme_id: int):
    """Accept the invitation (or join after declining, while the programme runs)."""
    return _answer(
        programme_id,
        membership.accept,
        lambda programme: _("Your school takes part in %(name)s.", name=programme.name),
    )


@bp.post("/school/programmes/<int:programme_id>/decline")
@role_required("coordinator")
def decline(programme_id: int):
    """Decline the invitation."""
    return _answer(
        programme_id,
        membership.decline,
        lambda programme: _("Your school declined %(name)s.", name=programme.name),
    )


@bp.post("/school/programmes/<int:programme_id>/leave")
@role_required("coordinator")
def leave(programme_id: int):
    """Leave the programme, once confirmed with the box on the page; there is no way back."""
    invitation = _invitation_or_404(programme_id)
    form = LeaveForm()
    if invitation.status == "accepted" and not form.validate_on_submit():
        return _render(invitation, 400, leave_form=form)
    return _answer(
        programme_id,
        membership.leave,
        lambda programme: _("Your school left %(name)s.", name=programme.name),
    )


@bp.post("/school/programmes/<int:programme_id>/assign")
@role_required("coordinator")
def assign(programme_id: int):
    """Plan the programme's module, at its fixed version, for one class of the school."""
    invitation = _invitation_or_404(programme_id)
    programme = invitation.programme
    if invitation.status != "accepted":
        return _render(invitation, 409, error=REFUSALS["not-accepted"]())
    if membership.has_ended(programme):
        return _render(invitation, 409, error=REFUSALS["ended"]())
    form = _assignment_form(request.form)
    if not form.validate_on_submit():
        return _render(invitation, 400, assign_form=form)
    school_class = _plan(_school(), programme, form)
    if school_class is None:
        db.session.rollback()
        return _render(invitation, 400, assign_form=form)
    db.session.commit()
    title = programme.title(str(get_locale()))
    flash(
        _("%(module)s is planned for %(class)s.", module=title, **{"class": school_class.name}),
        "success",
    )
    return redirect(url_for("programmes.school_programme", programme_id=programme_id), 303)


def _plan(school: School, programme: Programme, form: ProgrammeAssignmentForm):
    """Assign the module to the form's class and return the class; None: the form has an error."""
    school_class = coordination.class_of(school, form.school_class.data)
    teacher = coordination.member_of(school, form.teacher.data)
    if school_class is None or teacher is None:
        form.school_class.errors.append(REFUSALS["other-school"]())
        return None
    if teacher not in school_class.teachers:
        form.teacher.errors.append(REFUSALS["not-their-class"]())
        return None
    if form.due_on.data > programme.ends_on:
        date_text = programme.ends_on.strftime("%d-%m-%Y")
        form.due_on.errors.append(
            _("Choose a date within the programme, on or before %(date)s.", date=date_text)
        )
        return None
    try:
        created = coordination.assign(
            school, [school_class], teacher, programme.module_slug, form.due_on.data,
            form.note.data, _today(),
        )  # fmt: skip
    except coordination.CoordinationError as error:
        field = form.due_on if str(error) == "due-in-past" else form.school_class
        field.errors.append(REFUSALS[str(error)]())
        return None
    for assignment in created:
        assignment.programme_id = programme.id
        assignment.module_version = programme.module_version
    return school_class
