"""The start page, the language switch and the health and readiness checks."""

import shutil
from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import false, text, update
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.forms import EmptyForm
from ..accounts.models import DEFAULT_RETENTION_DAYS
from ..coordination.services import assignments_of, module_names, module_titles, teachable_classes
from ..errors import rollback
from ..extensions import db, limiter
from ..navigation import local_path
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
    if not current_user.works_at_school:
        # A programme lead or an operator: no classes, no lessons, their own start page.
        home = "programmes.operator" if current_user.role == "operator" else "programmes.index"
        return redirect(url_for(home))
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
@limiter.exempt
def healthz():
    """200 when this instance can store answers, else 503 and why; for monitoring.

    Open to everyone, no rate limit, no cookie. The database must answer and take a
    write (an UPDATE of no row, rolled back: on SQLite it needs the write lock and a
    writable file, on PostgreSQL a primary that is not read-only), and the disks of
    the SQLite file and of instance/ must have HEALTH_MIN_FREE_MB free.
    """
    reason = _database_problem(write=True) or _disk_problem()
    if reason is not None:
        return {"status": "unavailable", "reason": reason}, 503
    return {"status": "ok"}, 200


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """200 when this instance can take requests, else 503; for a load balancer's checks.

    Open to everyone, no rate limit, no cookie. The app is loaded and its database
    answers; while the file instance/draining exists the instance says it is not
    ready, so the balancer sends its requests elsewhere before it is stopped.
    """
    if (Path(current_app.instance_path) / DRAINING_FILE).exists():
        return {"status": "draining"}, 503
    reason = _database_problem(write=False)
    if reason is not None:
        return {"status": "unavailable", "reason": reason}, 503
    return {"status": "ready"}, 200


# Its presence in instance/ takes the instance out of a load balancer (docs/deployment.md).
DRAINING_FILE = "draining"


def _database_problem(*, write: bool) -> str | None:
    """Why the database cannot serve (a read, and a write if asked), or None."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        rollback()
        return "database unreachable"
    if write:
        try:
            db.session.execute(update(Run).where(false()).values(version=Run.version))
        except SQLAlchemyError:
            return "database not writable"
        finally:
            rollback()
    return None


def _disk_problem() -> str | None:
    """Why the disk of the SQLite file or of instance/ is too full, or None."""
    minimum = current_app.config["HEALTH_MIN_FREE_MB"] * 1024 * 1024
    folders = {Path(current_app.instance_path)}
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        folders.add(Path(url.database.removeprefix("file:")).parent)
    for folder in folders:
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            return "disk unreadable"
        if free < minimum:
            return "disk almost full"
    return None


@bp.get("/privacy")
def privacy():
    """What Klasgesprek stores about students, and for how long; open to everyone."""
    return render_template(
        "main/privacy.html", title=_("Privacy"), retention_days=DEFAULT_RETENTION_DAYS
    )
