"""A programme's module for the school staff who give it: its guide, start form and pack.

Only the teachers and coordinators of a school that takes part in the programme (it
accepted and did not leave), or is invited to it and reads before answering, reach these
pages; for anyone else of a school the programme does not exist (404). They show the
module at the version the programme fixed: for a lead's own module (a zip) the only pages
there are, since neither the library nor the school has it. Its Markdown is the
municipality's, so it renders untrusted.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from ..accounts.decorators import role_required
from ..catalogue.store import module_of_version
from ..coordination.models import Assignment
from ..extensions import db
from ..lessons.content import Module, get_library
from ..lessons.packs import render_pack
from ..polls.forms import StartRunForm
from ..polls.pages import start_run_form
from .blueprint import bp
from .membership import invitation_for
from .models import READS_MODULE, Programme


def _taking_part_or_404(programme_id: int) -> Programme:
    """A programme the user's school takes part in, or is invited to (to read it before
    answering); any other is a 404."""
    invitation = invitation_for(current_user.school, programme_id)
    if invitation is None or invitation.status not in READS_MODULE:
        abort(404)
    return invitation.programme


def _module_or_404(programme: Programme) -> Module:
    return module_of_version(programme.module_version) or abort(404)


def _planned_lesson(programme: Programme) -> Assignment | None:
    """The user's first lesson of the programme still to give, by due date, if any."""
    return db.session.scalar(
        db.select(Assignment)
        .where(
            Assignment.school_id == current_user.school_id,
            Assignment.teacher_id == current_user.id,
            Assignment.programme_id == programme.id,
            Assignment.done_at.is_(None),
        )
        .order_by(Assignment.due_on, Assignment.id)
        .limit(1)
    )


def _start_form(module: Module) -> Callable[[str, str], StartRunForm]:
    """The lessons' start form, offering this module's languages (no school module has them)."""

    def start_form(slug: str, language: str) -> StartRunForm:
        form = start_run_form(slug, language)
        form.set_languages(list(module.texts))
        return form

    return start_form


@bp.get("/school/programmes/<int:programme_id>/module")
@role_required("teacher", "coordinator")
def programme_module(programme_id: int):
    """The programme's module to prepare and start, as on a library page; school staff taking part.

    Without an assignment in the URL, the user's next planned lesson of the programme is
    chosen, so that the lesson started counts for the programme.
    """
    programme = _taking_part_or_404(programme_id)
    if request.args.get("assignment") is None:
        planned = _planned_lesson(programme)
        if planned is not None:
            arguments = {"assignment": planned.id, "class": planned.class_id}
            return redirect(url_for(".programme_module", programme_id=programme.id, **arguments))
    module = _module_or_404(programme)
    text = module.text(str(get_locale()))

    def pack_url(_slug: str, language: str) -> str:
        return url_for(".programme_module_pack", programme_id=programme.id, language=language)

    # The library page's template, with its links to packs and its start form made this
    # programme's: the module has no page but this one.
    return render_template(
        "programmes/module.html",
        programme=programme,
        lesson=text,
        module=module,
        ground_rules=get_library().ground_rules.get(text.language),
        planned="assignment" in request.args,
        module_pack_url=pack_url,
        paper_pack_url=pack_url,
        start_run_form=_start_form(module),
    )


@bp.get("/school/programmes/<int:programme_id>/module/pack/<any(nl, en):language>")
@role_required("teacher", "coordinator")
def programme_module_pack(programme_id: int, language: str):
    """The programme module's printable pack in one language; school staff taking part."""
    programme = _taking_part_or_404(programme_id)
    back = url_for(".programme_module", programme_id=programme.id)
    return render_pack(_module_or_404(programme), language, back_url=back)
