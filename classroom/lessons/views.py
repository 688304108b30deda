"""The lesson library and module pages for staff, and the `flask lessons` commands."""

import sys
from pathlib import Path

import click
from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import force_locale, get_locale

from ..accounts.decorators import require_role
from .checks import LEVELS, THEMES, YEARS
from .content import Library, get_library
from .labels import label
from .packs import render_pack

bp = Blueprint("lessons", __name__, url_prefix="/lessons", cli_group="lessons")


@bp.app_template_filter("label")
def label_filter(word: str) -> str:
    """Translate a vocabulary word (theme, level, year, value, question type) in templates."""
    return label(word)


@bp.before_request
def staff_only():
    """Only logged-in staff see the library."""
    return require_role()


@bp.get("/")
def index():
    """List the modules, filtered by theme, level and years; for staff."""
    language = str(get_locale())
    filters = {
        "theme": request.args.get("theme", ""),
        "level": request.args.get("level", ""),
        "years": request.args.get("years", ""),
    }
    modules = []
    for module in get_library().modules.values():
        text = module.text(language)
        if filters["theme"] and filters["theme"] not in text.themes:
            continue
        if filters["level"] and filters["level"] not in text.levels:
            continue
        if filters["years"] and filters["years"] not in text.years:
            continue
        modules.append(text)
    return render_template(
        "lessons/index.html",
        modules=sorted(modules, key=lambda text: text.title.lower()),
        filters=filters,
        themes=THEMES,
        levels=LEVELS,
        years=YEARS,
    )


@bp.get("/<slug>")
def detail(slug: str):
    """Show a module's teacher guide with its polls and prompts; for staff."""
    module = get_library().get(slug)
    if module is None:
        abort(404)
    text = module.text(str(get_locale()))
    return render_template(
        "lessons/detail.html",
        lesson=text,
        module=module,
        ground_rules=get_library().ground_rules.get(text.language),
    )


@bp.get("/<slug>/pack/<any(nl, en):language>")
def pack(slug: str, language: str):
    """Show a module's printable pack in one language, with paper answer slips; for staff."""
    return render_pack(get_library().get(slug), language)


@bp.cli.command("check")
@click.option("--dir", "lessons_dir", type=click.Path(file_okay=False), default=None)
def check_command(lessons_dir: str | None) -> None:
    """Validate every module; print file:line: message per problem, exit 1 on any."""
    # The command speaks English, whatever language a request would have.
    with force_locale("en"):
        library = Library(Path(lessons_dir or current_app.config["LESSONS_DIR"]))
    for problem in sorted(library.problems + library.warnings):
        click.echo(str(problem))
    if library.problems:
        click.echo(f"{len(library.problems)} problem(s) found.", err=True)
        sys.exit(1)
    if library.warnings:
        click.echo(
            f"{len(library.modules)} module(s) checked, no problems, "
            f"{len(library.warnings)} warning(s)."
        )
        return
    click.echo(f"{len(library.modules)} module(s) checked, no problems.")


@bp.cli.command("list")
def list_command() -> None:
    """Print one tab-separated line per module: slug, languages, polls, pairs, minutes."""
    for slug, module in sorted(get_library().modules.items()):
        text = module.text("nl")
        fields = [
            slug,
            ",".join(module.texts),
            str(len(text.polls)),
            str(text.pair_count),
            str(text.duration),
        ]
        click.echo("\t".join(fields))
