"""The coordinator's reports. Everything is fetched through the coordinator's own school."""

from datetime import date
from html import unescape

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    get_template_attribute,
    render_template,
    request,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.decorators import require_role
from ..coordination.models import LEVELS
from ..coordination.services import (
    classes_of,
    module_names,
    module_titles,
    module_values,
    school_year_start,
)
from ..csv_files import csv_response, export_filename
from ..extensions import db
from ..lessons.labels import label
from ..polls import answers
from ..timeutil import now_utc
from . import services

bp = Blueprint("reports", __name__, url_prefix="/school")


@bp.before_request
def coordinators_only():
    """Only the school's coordinators; every query below goes through g.school."""
    if (response := require_role("coordinator")) is not None:
        return response
    g.school = current_user.school
    return None


def _today() -> date:
    return now_utc().date()


def _titles() -> dict[str, str]:
    return module_titles(g.school, str(get_locale()))


def _names() -> dict[str, str]:
    """Titles of what can be assigned and of what was given (a deleted own module too)."""
    return module_names(g.school, str(get_locale()))


def _school_k() -> int:
    return max(g.school.school_min_answers, current_app.config["MIN_ANSWERS_FLOOR"])


@bp.get("/")
def index():
    """The class-by-module overview of this school year, filterable by level and year."""
    level = request.args.get("level", "")
    year = request.args.get("year", type=int)
    every_class = classes_of(g.school)
    classes = [
        c
        for c in every_class
        if (not level or c.level == level) and (year is None or c.year == year)
    ]
    titles = _titles()
    cells = services.overview(g.school, classes, list(titles), _today())
    return render_template(
        "reports/index.html",
        classes=classes,
        titles=titles,
        cells=cells,
        levels=LEVELS,
        years=sorted({c.year for c in every_class}),
        level=level,
        year=year,
    )


def _status_label(status: str) -> str:
    """A cell's status in the export's language, worded by the overview page's own macro."""
    label_of = get_template_attribute("coordination/_status.html", "status_label")
    return unescape(str(label_of(status))).strip()


@bp.get("/overview.csv")
def overview_csv():
    """The overview as CSV: one row per class and module."""
    classes = classes_of(g.school)
    titles = _titles()
    cells = services.overview(g.school, classes, list(titles), _today())
    rows = [
        [c.name, c.level, c.year, slug, titles[slug], _status_label(cell.status),
         cell.due_on or "", cell.runs, cell.hand_counted]
        for c in classes
        for slug in titles
        if (cell := cells[(c.id, slug)]).status
    ]  # fmt: skip
    header = [
        _("class"), _("level"), _("year"), _("module"), _("title"), _("status"), _("due"),
        _("runs"), _("runs counted by hand"),
    ]  # fmt: skip
    return csv_response(header, rows, export_filename(_("overview"), on=_today()))


@bp.get("/results")
def results_index():
    """The modules the school has given, with the number of runs of each."""
    return render_template(
        "reports/results_index.html",
        counts=services.runs_per_module(g.school),
        titles=_names(),
    )


def _school_results(slug: str):
    """The module's runs and its released school figures, after adding any new release."""
    runs = services.module_runs(g.school, slug)
    if not runs:
        abort(404)
    # Commit only a new release: a commit expires the runs, and reloading them costs
    # two queries per run.
    if answers.refresh_school_release(g.school.id, slug, runs, _school_k()):
        db.session.commit()
    found = answers.school_results(runs, g.school.id, slug, _school_k(), str(get_locale()))
    return runs, found


@bp.get("/results/<slug>")
def results(slug: str):
    """A module's released results over the school's classes, with suppression applied."""
    runs, found = _school_results(slug)
    return render_template(
        "reports/results.html",
        slug=slug,
        title=_names().get(slug, slug),
        runs=runs,
        ended=sum(1 for run in runs if run.is_ended),
        results=found,
        comparisons=answers.school_comparisons(found),
        k=_school_k(),
    )


@bp.get("/results/<slug>.csv")
def results_csv(slug: str):
    """The same released results as CSV; a suppressed cell is empty, the last column says why."""
    _runs, found = _school_results(slug)
    hidden = _("not shown")
    rows = [
        [slug, r.key, r.question, option.label, option.count, option.percent, r.total, r.runs,
         r.hand_counted, hidden if option.count is None or option.percent is None else ""]
        for r in found
        for option in r.options
    ]  # fmt: skip
    header = [
        _("module"), _("question"), _("text"), _("option"), _("count"), _("percent"),
        _("answers"), _("runs"), _("runs counted by hand"), _("note"),
    ]  # fmt: skip
    return csv_response(header, rows, export_filename(slug, _("school"), on=_today()))


@bp.get("/citizenship")
def citizenship():
    """Which basic values of the citizenship law each class covered this school year."""
    values_of = module_values(g.school, str(get_locale()))
    classes = classes_of(g.school)
    covered = services.values_covered(
        classes, services.runs_this_year(g.school, _today()), values_of
    )
    return render_template(
        "reports/citizenship.html",
        classes=classes,
        covered=covered,
        titles=_names(),
        values=("freedom", "equality", "solidarity"),
        year_start=school_year_start(_today()),
        label=label,
    )
