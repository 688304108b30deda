"""The start page, the language switch and the health check."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.forms import EmptyForm
from ..accounts.models import DEFAULT_RETENTION_DAYS
from ..coordination.services import assignments_of, module_names, module_titles
from ..extensions import db
from ..navigation import local_path
from ..polls.forms import teachable_classes
from ..polls.models import Run
from ..student.forms import JoinForm
from ..timeutil import now_utc
from .forms import LanguageForm

bp = Blueprint("main", __name__)


@bp.app_context_processor
def language_switch() -> dict:
    """Give every page the current language and where the language switch returns to."""
    # A plain string, not a LanguageForm per page: building a form class on every
    # request cost more than the rest of the switch (the template adds the CSRF token).
    return {"current_language": str(get_locale()), "language_next": request.full_path.rstrip("?")}


@bp.get("/")
def index():
    """Students see the join form; logged-in staff see their classes and runs."""
    if not current_user.is_authenticated:
        return render_template("main/index.html", form=JoinForm(formdata=None))
    runs = db.session.scalars(
        db.select(Run)
        .where(Run.teacher_id == current_user.id)
        .order_by(Run.ended_at.is_not(None), Run.id.desc())
        .limit(10)
    ).all()
    language = str(get_locale())
    return render_template(
        "main/dashboard.html",
        runs=runs,
        classes=teachable_classes(current_user),
        assignments=assignments_of(current_user.school, teacher=current_user),
        titles=module_titles(current_user.school, language),
        names=module_names(current_user.school, language),
        today=now_utc().date(),
        action_form=EmptyForm(),
    )


@bp.post("/language")
def set_language():
    """Remember the chosen language for this browser; open to everyone."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
    return redirect(local_path(form.next.data) or url_for("main.index"), 303)


@bp.get("/healthz")
def healthz():
    """200 when the app and its database answer, 503 otherwise; for load balancers."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200


@bp.get("/privacy")
def privacy():
    """What Klasgesprek stores about students, and for how long; open to everyone."""
    return render_template(
        "main/privacy.html", title=_("Privacy"), retention_days=DEFAULT_RETENTION_DAYS
    )
