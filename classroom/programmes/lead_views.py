"""The programme lead's pages: programmes, participation, results, report and CSV.

Every route is the lead's only and reaches only the programmes of the lead's own
municipality: another's programme is a 404, as is one that does not exist. What a lead
sees of the schools is participation (counts of classes) and the programme's released
figures; never a school's or a class's own figures, never open text.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from ..accounts.decorators import role_required
from ..csv_files import csv_response, export_filename
from ..extensions import db
from . import own_modules, services
from .blueprint import bp
from .follow_up_views import follow_up_form
from .forms import InviteForm, ProgrammeForm
from .models import MIN_SCHOOLS, Programme
from .participation import SchoolParticipation, participation
from .releases import refresh_programme_release
from .results import (
    ProgrammeQuestion,
    ReleaseSummary,
    programme_comparisons,
    programme_results,
    release_summary,
)


@dataclass(frozen=True)
class ProgrammeView:
    """Everything the programme's page, report and CSV show, from one release."""

    programme: Programme
    release: ReleaseSummary | None
    schools: list[SchoolParticipation]
    questions: list[ProgrammeQuestion]
    pairs: list[services.PairView]

    @property
    def moments(self) -> dict[str, str]:
        """The polls of a pre/post pair by key: "pre", "post" or "later" (the follow-up)."""
        pre = {pair.pre.key: "pre" for pair in self.pairs}
        return pre | {pair.post.key: "later" if pair.post.later else "post" for pair in self.pairs}

    @property
    def taking_part(self) -> int:
        """Schools that accepted and did not leave."""
        return sum(1 for school in self.schools if school.status == "accepted")

    @property
    def lessons_ended(self) -> int:
        """Lessons ended in the schools that take or took part."""
        return sum(school.ended for school in self.schools)


def _language() -> str:
    return str(get_locale())


def _own_programme(programme_id: int) -> Programme:
    """The lead's municipality's programme, else 404 (another's looks like none at all)."""
    programme = services.programme_of(current_user.municipality_id, programme_id)
    if programme is None:
        abort(404)
    return programme


def _refreshed(programme: Programme) -> ProgrammeView:
    """Bring the programme's release up to date, then gather what the lead may see."""
    try:
        if refresh_programme_release(programme):
            db.session.commit()
    except IntegrityError:
        # Another request made the same first release a moment earlier: show that one.
        db.session.rollback()
    language = _language()
    questions = programme_results(programme, language)
    comparisons = programme_comparisons(programme, questions)
    return ProgrammeView(
        programme=programme,
        release=release_summary(programme),
        schools=participation(programme),
        questions=questions,
        pairs=[services.pair_view(comparison) for comparison in comparisons],
    )


def _module_choices(form: ProgrammeForm) -> None:
    language = _language()
    form.module.choices = [SelectChoice("", _("Choose a module"))] + [
        SelectChoice(module.slug, module.text(language).title)
        for module in services.library_modules(language)
    ]


@bp.get("/programmes/")
@role_required("lead")
def index():
    """The programmes of the lead's municipality, with how many invited schools take part."""
    return render_template(
        "programmes/index.html",
        summaries=services.programme_summaries(current_user.municipality_id),
        language=_language(),
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
@role_required("lead")
def create():
    """A new programme: a library module fixed at its version now, or the lead's own module
    from a zip (checked like any import), and the schools invited."""
    form = ProgrammeForm()
    _module_choices(form)
    form.schools.choices = [SelectChoice(s.id, s.name) for s in services.all_schools()]
    upload = None
    if form.validate_on_submit():
        if services.name_taken(current_user.municipality_id, form.name.data):
            form.name.errors.append(_("Your municipality already has a programme of this name."))
        elif form.archive.data:
            upload = _stored_zip(form)
        module = upload.module if upload else services.library_module(form.module.data)
        if not form.name.errors and module is not None:
            programme = services.create_programme(
                current_user.municipality_id,
                form.name.data,
                module,
                form.starts_on.data,
                form.ends_on.data,
                form.min_answers.data,
                form.schools.data,
                version=upload.version if upload else None,
            )
            db.session.commit()
            flash(_("The programme has been created and the schools invited."), "success")
            return redirect(url_for("programmes.detail", programme_id=programme.id), 303)
    status = 422 if upload else 400 if form.is_submitted() else 200
    problems = upload.problems if upload else []
    return render_template(
        "programmes/new.html", form=form, min_schools=MIN_SCHOOLS, zip_problems=problems
    ), status


def _stored_zip(form: ProgrammeForm) -> own_modules.Upload:
    """The lead's zip stored as the municipality's module; when refused, the field says why."""
    upload = own_modules.store_zip(current_user.municipality_id, form.archive.data)
    if upload.library_slug:
        form.archive.errors.append(
            _(
                "The module in this zip is called %(slug)s, like a module of the lesson library. "
                "Give it a name of its own: the slug in nl.md and en.md and the folder's name.",
                slug=upload.slug,
            )
        )
    elif not upload.stored:
        form.archive.errors.append(
            _("The zip was not taken. Its problems are listed above, by file and line.")
        )
    return upload


@bp.get("/programmes/<int:programme_id>")
@role_required("lead")
def detail(programme_id: int):
    """Participation per school (counts only) and the programme's released figures."""
    view = _refreshed(_own_programme(programme_id))
    return render_template(
        "programmes/detail.html",
        view=view,
        language=_language(),
        follow_up=follow_up_form(view.programme),
        min_schools=MIN_SCHOOLS,
    )


@bp.route("/programmes/<int:programme_id>/invite", methods=["GET", "POST"])
@role_required("lead")
def invite(programme_id: int):
    """Invite more of the schools on this server; those invited before are not offered."""
    programme = _own_programme(programme_id)
    form = InviteForm()
    form.schools.choices = [
        SelectChoice(s.id, s.name) for s in services.schools_not_invited(programme)
    ]
    if form.validate_on_submit():
        invited = services.invite_schools(programme, form.schools.data)
        db.session.commit()
        invited_text = ngettext("%(num)d school invited.", "%(num)d schools invited.", len(invited))
        flash(invited_text, "success")
        return redirect(url_for("programmes.detail", programme_id=programme.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "programmes/invite.html", form=form, programme=programme, language=_language()
    ), status


@bp.get("/programmes/<int:programme_id>/report")
@role_required("lead")
def report(programme_id: int):
    """The programme's figures and caveats as a printable A4 report, in the current language."""
    view = _refreshed(_own_programme(programme_id))
    return render_template(
        "programmes/report.html", view=view, language=_language(), min_schools=MIN_SCHOOLS
    )


@bp.get("/programmes/<int:programme_id>/results.csv")
@role_required("lead")
def results_csv(programme_id: int):
    """The same figures as CSV, with the same suppression: a hidden cell is empty, and why."""
    view = _refreshed(_own_programme(programme_id))
    header = [
        _("release"), _("released on"), _("poll"), _("question"), _("figure"), _("answer"),
        _("number"), _("percent"), _("before (%)"), _("after (%)"),
        _("shift (percentage points)"), _("interval from (95%)"), _("interval to (95%)"),
        _("answers"), _("schools"), _("classes"), _("not shown because"),
    ]  # fmt: skip
    release = view.release
    on = [release.number, release.released_at.date().isoformat()] if release else ["", ""]
    rows = [on + row for row in _figure_rows(view) + _shift_rows(view)]
    on_day = release.released_at.date() if release else None
    name = export_filename(view.programme.name, _("results"), on=on_day)
    return csv_response(header, rows, name)


def reason_text(code: str | None, k: int) -> str:
    """Why a figure or a shift is not shown, in the current language; "" when it is."""
    texts = {
        services.NOT_RELEASED: lambda: _(
            "not released yet: it needs at least %(k)d answers from at least %(schools)d "
            "schools, released together",
            k=k,
            schools=MIN_SCHOOLS,
        ),
        services.SMALL_GROUP: lambda: _("a group of fewer than %(k)d answers", k=k),
        services.SEVERAL_ANSWERS: lambda: _(
            "no shift: students may choose several answers to this poll"
        ),
        services.FEW_CLASSES: lambda: _("no interval: fewer than 2 classes answered both polls"),
    }
    return texts[code]() if code else ""


def _figure_rows(view: ProgrammeView) -> list[list[object]]:
    """Per poll and group: number and percent, or empty cells and why."""
    k = view.programme.k
    rows = []
    for question in view.questions:
        reason = services.hidden_because(question)
        for figure in question.figures:
            why = reason if reason == services.NOT_RELEASED or figure.count is None else None
            rows.append(
                [question.key, question.question, _("share"), figure.label,
                 figure.count, figure.percent, "", "", "", "", "",
                 question.total if question.shown else "",
                 question.schools if question.shown else "",
                 question.classes if question.shown else "",
                 reason_text(why, k)]
            )  # fmt: skip
    return rows


def _number(value: int | None) -> float | str:
    """A signed figure as a number the spreadsheet reads (csv_files quotes a text "-4")."""
    return "" if value is None else float(value)


def _shift_rows(view: ProgrammeView) -> list[list[object]]:
    """Per pre/post pair and group: shares before and after, shift and its interval, or why not."""
    k = view.programme.k
    rows = []
    for pair in view.pairs:
        poll = f"{pair.pre.key} → {pair.post.key}"
        reason = pair.hidden_because or pair.no_interval_because
        why = reason_text(reason, k)
        if not pair.rows:
            rows.append([poll, pair.post.question, _("shift"), *[""] * 11, why])
        rows += [
            [poll, pair.post.question, _("shift"), row.label, "", "", row.before, row.after,
             *map(_number, (row.shift, row.low, row.high)), "", "", pair.classes_both or "", why]
            for row in pair.rows
        ]  # fmt: skip
    return rows
