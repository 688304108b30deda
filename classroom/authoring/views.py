"""A teacher's own modules: guided start, editor, sharing, copies, zip out and in."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.decorators import require_role
from ..accounts.forms import EmptyForm
from ..catalogue import store, urls
from ..catalogue.models import OwnModule
from ..extensions import db
from ..lessons.archive import module_zip, read_module_zip
from ..lessons.checks import LEVELS, THEMES, VALUES, YEARS
from ..lessons.content import get_library
from ..lessons.packs import render_pack
from ..lessons.safe_markdown import render_untrusted_markdown
from ..timeutil import now_utc
from ..vocabulary import LANGUAGES, QUESTION_TYPES
from . import drafts, editing, services
from .forms import GuidedStartForm, ImportForm
from .skeleton import skeleton

bp = Blueprint("authoring", __name__, url_prefix="/modules")

MAX_ZIP_BYTES = 2 * 1024 * 1024


@bp.before_request
def staff_only():
    """Only logged-in staff; each view then finds the module through the school's rules."""
    return require_role()


def _visible_or_404(own_slug: str) -> OwnModule:
    return store.own_module_for(current_user, own_slug) or abort(404)


def _authored_or_404(own_slug: str) -> OwnModule:
    """The author's own module; others (of any school) get 404."""
    return store.authored_by(current_user, own_slug) or abort(404)


@bp.get("/")
def index():
    """The teacher's modules and those shared in the school, the guided start and the import."""
    return _render_index(GuidedStartForm(formdata=None), ImportForm(formdata=None))


def _render_index(start_form, import_form, problems=(), status: int = 200):
    owns = store.modules_for(current_user)
    language = str(get_locale())
    rows = []
    for own in owns:
        found = store.checked(own)
        title = found.module.text(language).title if found.module else own.slug
        rows.append({"own": own, "title": title, "errors": len(found.errors)})
    return (
        render_template(
            "authoring/index.html",
            rows=rows,
            start_form=start_form,
            import_form=import_form,
            import_problems=problems,
            action_form=EmptyForm(),
        ),
        status,
    )


@bp.post("/")
def create():
    """Start a module from the guided start's choices; it opens in the editor."""
    form = GuidedStartForm()
    if not form.validate_on_submit():
        return _render_index(form, ImportForm(formdata=None), status=422)
    languages = list(LANGUAGES) if form.languages.data == "both" else [form.languages.data]
    slug = services.free_slug(current_user.school, form.name.data or f"{form.kind.data}-module")
    draft = skeleton(slug, form.kind.data, languages, form.name.data or "")
    own = services.create(current_user, slug, drafts.write_files(draft))
    db.session.commit()
    flash(_("Your module is ready to edit. It is a draft: only you see it."), "success")
    return redirect(url_for("authoring.edit", own_slug=own.slug), 303)


@bp.get("/<own_slug>")
def detail(own_slug: str):
    """The module's page as for a library module (guide, polls, start form); for who may see it."""
    own = _visible_or_404(own_slug)
    found = store.checked(own)
    if found.module is None:
        return render_template("authoring/broken.html", own=own, problems=found.errors), 200
    language = str(get_locale())
    text = found.module.text(language)
    origin = get_library().get(own.origin) if own.origin else None
    return render_template(
        "authoring/detail.html",
        own=own,
        origin_title=origin.text(language).title if origin else own.origin,
        lesson=text,
        module=found.module,
        ground_rules=get_library().ground_rules.get(text.language),
        is_author=own.author_id == current_user.id,
        action_form=EmptyForm(),
    )


@bp.get("/<own_slug>/pack/<any(nl, en):language>")
def pack(own_slug: str, language: str):
    """The module's printable pack in one language, with paper answer slips."""
    return render_pack(store.checked(_visible_or_404(own_slug)).module, language)


def _render_editor(own, draft, status=200, previews=None):
    files = drafts.write_files(draft, own.files)
    lessons, problems = services.check(own.slug, files)
    by_field, listed = editing.place_problems(problems, lessons)
    return (
        render_template(
            "authoring/edit.html",
            own=own,
            draft=draft,
            by_field=by_field,
            listed=listed,
            errors=sum(1 for p in problems if not p.warning),
            previews=previews,
            form=EmptyForm(),
            themes=THEMES,
            levels=LEVELS,
            years=YEARS,
            values=VALUES,
            types=QUESTION_TYPES,
            languages=LANGUAGES,
        ),
        status,
    )


@bp.get("/<own_slug>/edit")
def edit(own_slug: str):
    """The editor of the whole module, with every checker problem at its field; author only."""
    own = _authored_or_404(own_slug)
    lessons, problems = services.check(own.slug, own.files)
    if not lessons:  # no file can be read at all: nothing to put in the fields
        return render_template("authoring/broken.html", own=own, problems=problems)
    return _render_editor(own, drafts.read_draft(own.slug, lessons))


@bp.post("/<own_slug>/edit")
def update(own_slug: str):
    """Save the editor's fields (also with problems), or preview, add, move or remove parts."""
    own = _authored_or_404(own_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    lessons, _problems = services.check(own.slug, own.files)
    if not lessons:
        abort(409)
    draft = editing.read_form(request.form, drafts.read_draft(own.slug, lessons))
    action = request.form.get("action", "save")
    if action == "preview":
        return _render_editor(own, draft, previews=_previews(draft))
    focus = None
    if action == "add-section":
        title = request.form.get("new-section-title", "").strip()[:80]
        if not editing.add_section(draft, services.slugify(title), title):
            flash(_("A guide section needs a title that no other section or phase has."), "error")
        focus = "sections"
    elif action != "save":
        focus = editing.apply_action(draft, action, request.form.get("new-poll-type", "single"))
    files = drafts.write_files(draft, own.files)
    services.save_files(own, files)
    found = store.checked(own)
    if found.errors and own.shared_at is not None:
        own.shared_at = None
        flash(
            _(
                "Saved with problems, so the module is no longer shared. "
                "Fix them to share it again."
            ),
            "error",
        )
    elif found.errors:
        flash(_("Saved as a draft. Fix the problems below before you share or start it."), "error")
    else:
        flash(_("Saved."), "success")
    db.session.commit()
    anchor = f"#{focus}" if focus else ""
    return redirect(url_for("authoring.edit", own_slug=own.slug) + anchor, 303)


def _previews(draft: dict) -> dict[str, object]:
    """Every Markdown field of the draft, rendered as the module page will show it."""
    previews = {}
    for lang, words in draft["texts"].items():
        for i, phase in enumerate(words["phases"]):
            previews[f"{lang}-phase-{i}-guide"] = render_untrusted_markdown(phase["guide"])
            previews[f"{lang}-phase-{i}-projector"] = render_untrusted_markdown(phase["projector"])
        for section in words["sections"]:
            previews[f"{lang}-section-{section['id']}-body"] = render_untrusted_markdown(
                section["body"]
            )
    return previews


@bp.post("/<own_slug>/share")
def share(own_slug: str):
    """Share a module without errors with the school's staff; author only."""
    own = _authored_or_404(own_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if store.checked(own).errors:
        flash(_("Fix the problems of this module before you share it."), "error")
        return redirect(url_for("authoring.edit", own_slug=own.slug), 303)
    own.shared_at = own.shared_at or now_utc()
    db.session.commit()
    flash(
        _("Shared with your school: colleagues can give it and the coordinator can assign it."),
        "success",
    )
    return redirect(url_for("authoring.detail", own_slug=own.slug), 303)


@bp.post("/<own_slug>/unshare")
def unshare(own_slug: str):
    """Make a shared module a draft again; runs and results already given stay; author only."""
    own = _authored_or_404(own_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    own.shared_at = None
    db.session.commit()
    flash(_("The module is a draft again: only you see it."), "success")
    return redirect(url_for("authoring.detail", own_slug=own.slug), 303)


@bp.post("/<own_slug>/delete")
def delete(own_slug: str):
    """Delete a module; lessons given with it keep its text, questions and results; author only."""
    own = _authored_or_404(own_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(own)
    db.session.commit()
    flash(_("The module is deleted."), "success")
    return redirect(url_for("authoring.index"), 303)


@bp.get("/<own_slug>/export")
def export(own_slug: str):
    """The module as a zip in the lessons/ folder format; for who may see it."""
    own = _visible_or_404(own_slug)
    return Response(
        module_zip(own.slug, own.files),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{own.slug}.zip"'},
    )


@bp.post("/import")
def import_zip():
    """Store a module zip as a new draft, only when the checker finds no errors in it."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_index(GuidedStartForm(formdata=None), form, status=422)
    data = form.archive.data.read(MAX_ZIP_BYTES + 1)
    if len(data) > MAX_ZIP_BYTES:
        form.archive.errors.append(_("This file is too big for a module."))
        return _render_index(GuidedStartForm(formdata=None), form, status=422)
    archive = read_module_zip(data)
    errors = [problem for problem in archive.problems if not problem.warning]
    if errors or archive.slug is None:
        return _render_index(GuidedStartForm(formdata=None), form, archive.problems, 422)
    slug = services.free_slug(current_user.school, archive.slug)
    files = services.with_slug(archive.files, slug) if slug != archive.slug else archive.files
    own = services.create(current_user, slug, files)
    db.session.commit()
    if slug != archive.slug:
        flash(_("A module named %(old)s exists already, so this one is called %(new)s.",
                old=archive.slug, new=slug), "success")  # fmt: skip
    flash(_("Imported as a draft."), "success")
    return redirect(url_for("authoring.detail", own_slug=own.slug), 303)


@bp.post("/copy/<slug>")
def copy(slug: str):
    """Copy a library module into an own draft, editable in full; the copy names its origin."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if get_library().get(slug) is None:
        abort(404)
    new_slug = services.free_slug(current_user.school, f"{slug}-own")
    files = services.library_files(Path(current_app.config["LESSONS_DIR"]), slug)
    own = services.create(current_user, new_slug, services.with_slug(files, new_slug), origin=slug)
    db.session.commit()
    flash(_("This is your own copy: change anything, then share it if you like."), "success")
    return redirect(url_for("authoring.edit", own_slug=own.slug), 303)


bp.add_app_template_global(urls.module_url, "module_url")
bp.add_app_template_global(urls.module_pack_url, "module_pack_url")
