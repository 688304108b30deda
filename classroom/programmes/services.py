"""Municipalities, their leads and programmes: queries and changes for views and commands.

Every query about programmes takes the lead's municipality, so a lead cannot reach
another municipality's programme by its id. Nothing here commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func

from ..accounts.models import School, User, new_session_token
from ..accounts.services import create_password_reset, create_user
from ..catalogue.store import keep_version
from ..extensions import db
from ..lessons.content import Module, get_library
from ..questions import question_type
from .models import Municipality, Programme, ProgrammeRelease, ProgrammeSchool
from .results import ProgrammeComparison, ProgrammeQuestion
from .shift import MeanShift

# How long the link lasts with which a new lead chooses a password (a reset link: one day).
NEW_LEAD_LINK_LIFETIME = timedelta(days=7)


class ProgrammeError(ValueError):
    """A municipality or programme cannot be made as asked; the message is a code."""


@dataclass(frozen=True)
class MunicipalityOverview:
    """A municipality on the operator's page: its leads and how many programmes it runs."""

    municipality: Municipality
    leads: list[User]
    programmes: int


@dataclass(frozen=True)
class ProgrammeSummary:
    """A programme on the lead's list: how many invited schools there are and how many take part."""

    programme: Programme
    invited: int
    accepted: int


def find_municipality(name: str) -> Municipality | None:
    """The municipality with this name, ignoring case and outer spaces."""
    return db.session.scalar(
        db.select(Municipality).where(func.lower(Municipality.name) == name.strip().lower())
    )


def create_municipality(name: str) -> Municipality:
    """Add a municipality or region; ProgrammeError("municipality-taken") when the name exists."""
    name = " ".join(name.split())
    if not name:
        raise ProgrammeError("name-empty")
    if find_municipality(name) is not None:
        raise ProgrammeError("municipality-taken")
    municipality = Municipality(name=name)
    db.session.add(municipality)
    db.session.flush()
    return municipality


def create_lead(municipality: Municipality, email: str, name: str, password: str | None) -> User:
    """Add a programme lead of the municipality; without a password, a random one nobody knows.

    Raises accounts.services.AccountError for a taken address or a weak password.
    """
    unknown = password is None
    return create_user(
        None,
        email.strip(),
        " ".join(name.split()),
        "lead",
        secrets.token_urlsafe(32) if unknown else password,
        check=not unknown,  # a random password is strong; a typed one is checked
        municipality_id=municipality.id,
    )


def new_lead_link(lead: User) -> str:
    """The token of the single-use link with which a new lead chooses a password."""
    return create_password_reset(lead, NEW_LEAD_LINK_LIFETIME)


def lead_of_any_municipality(user_id: int) -> User | None:
    """The programme lead with this id; None for any other account (the operator's page
    (de)activates leads only)."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.role == "lead" else None


def set_lead_active(lead: User, active: bool) -> None:
    """(De)activate a programme lead; deactivation ends every session of the account."""
    lead.active = active
    if not active:
        lead.session_token = new_session_token()


def create_operator(email: str, name: str, password: str) -> User:
    """Add an operator: runs the server, creates municipalities and their leads."""
    return create_user(None, email.strip(), " ".join(name.split()), "operator", password)


def municipality_overviews() -> list[MunicipalityOverview]:
    """Every municipality by name, with its leads and number of programmes; three queries."""
    municipalities = db.session.scalars(db.select(Municipality).order_by(Municipality.name)).all()
    leads: dict[int, list[User]] = {}
    for lead in db.session.scalars(
        db.select(User).where(User.role == "lead").order_by(User.name, User.email)
    ):
        leads.setdefault(lead.municipality_id, []).append(lead)
    counts = dict(
        db.session.execute(
            db.select(Programme.municipality_id, func.count(Programme.id)).group_by(
                Programme.municipality_id
            )
        ).all()
    )
    return [
        MunicipalityOverview(item, leads.get(item.id, []), counts.get(item.id, 0))
        for item in municipalities
    ]


def library_modules(language: str) -> list[Module]:
    """The library's modules a programme may give, by title in the language."""
    modules = get_library().modules.values()
    return sorted(modules, key=lambda module: module.text(language).title.casefold())


def library_module(slug: str) -> Module | None:
    """The library module with this slug; None for any other, an own module's too."""
    return get_library().get(slug)


def all_schools() -> list[School]:
    """The schools on this server by name: whom a lead may invite."""
    return list(db.session.scalars(db.select(School).order_by(School.name)))


def schools_not_invited(programme: Programme) -> list[School]:
    """The schools on this server that the programme has not invited yet, by name."""
    invited = db.select(ProgrammeSchool.school_id).where(
        ProgrammeSchool.programme_id == programme.id
    )
    return list(
        db.session.scalars(db.select(School).where(School.id.not_in(invited)).order_by(School.name))
    )


def name_taken(municipality_id: int, name: str) -> bool:
    """Whether the municipality already has a programme of this name (ignoring case)."""
    return bool(
        db.session.scalar(
            db.select(
                db.select(Programme.id)
                .where(
                    Programme.municipality_id == municipality_id,
                    func.lower(Programme.name) == name.strip().lower(),
                )
                .exists()
            )
        )
    )


def create_programme(
    municipality_id: int,
    name: str,
    module: Module,
    starts_on: date,
    ends_on: date,
    min_answers: int,
    school_ids: list[int],
    *,
    version: str | None = None,
) -> Programme:
    """Add a programme of a module fixed at a version, and invite the schools.

    A library module is fixed at its version now; the lead's own module (a zip) comes
    with the version of the municipality it was stored as (`own_modules.store_zip`).
    """
    if version is None and not module.trusted:
        raise ProgrammeError("not-library")
    programme = Programme(
        municipality_id=municipality_id,
        name=" ".join(name.split()),
        module_slug=module.slug,
        module_version=version or keep_version(module, None),
        titles={language: text.title for language, text in module.texts.items()},
        starts_on=starts_on,
        ends_on=ends_on,
        min_answers=min_answers,
    )
    db.session.add(programme)
    db.session.flush()
    invite_schools(programme, school_ids)
    return programme


def invite_schools(programme: Programme, school_ids: list[int]) -> list[ProgrammeSchool]:
    """Invite the schools not invited yet; an unknown school id is a ProgrammeError."""
    wanted = set(school_ids)
    found = set(db.session.scalars(db.select(School.id).where(School.id.in_(wanted))))
    if found != wanted:
        raise ProgrammeError("unknown-school")
    already = set(
        db.session.scalars(
            db.select(ProgrammeSchool.school_id).where(ProgrammeSchool.programme_id == programme.id)
        )
    )
    invitations = [
        ProgrammeSchool(programme_id=programme.id, school_id=school_id, status="invited")
        for school_id in sorted(wanted - already)
    ]
    db.session.add_all(invitations)
    db.session.flush()
    return invitations


def programme_summaries(municipality_id: int) -> list[ProgrammeSummary]:
    """The municipality's programmes, newest start first, with counts of schools; two queries."""
    programmes = db.session.scalars(
        db.select(Programme)
        .where(Programme.municipality_id == municipality_id)
        .order_by(Programme.starts_on.desc(), Programme.id.desc())
    ).all()
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        db.select(ProgrammeSchool.programme_id, ProgrammeSchool.status, func.count())
        .join(Programme)
        .where(Programme.municipality_id == municipality_id)
        .group_by(ProgrammeSchool.programme_id, ProgrammeSchool.status)
    )
    for programme_id, status, count in rows:
        counts.setdefault(programme_id, {})[status] = count
    return [
        ProgrammeSummary(
            programme,
            invited=sum(counts.get(programme.id, {}).values()),
            accepted=counts.get(programme.id, {}).get("accepted", 0),
        )
        for programme in programmes
    ]


def programme_of(municipality_id: int, programme_id: int) -> Programme | None:
    """The municipality's programme with this id; None for another municipality's or none."""
    return db.session.scalar(
        db.select(Programme).where(
            Programme.id == programme_id, Programme.municipality_id == municipality_id
        )
    )


def release_of(programme: Programme) -> ProgrammeRelease | None:
    """The programme's current release (number and date), or None before the first."""
    return db.session.get(ProgrammeRelease, programme.id)


# Why a programme figure is not shown: these codes; the pages and the CSV word them.
# A poll is released only with k answers from MIN_SCHOOLS schools together, so a poll not
# shown has simply not been released yet.
NOT_RELEASED, SMALL_GROUP = "not-released", "small-group"
# Why a pair shows no interval though both sides show.
SEVERAL_ANSWERS, FEW_CLASSES = "several-answers", "few-classes"


@dataclass(frozen=True)
class ShiftRow:
    """One group of a pre/post pair: shares before and after (%), shift and interval (points)."""

    label: str
    before: int | None
    after: int | None
    shift: int | None = None
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class PairView:
    """A pre/post pair as the lead sees it: its groups when shown, else why not."""

    pre: ProgrammeQuestion
    post: ProgrammeQuestion
    hidden_because: str | None
    no_interval_because: str | None
    rows: list[ShiftRow]
    mean: MeanShift | None
    classes_both: int | None  # classes that answered both polls: the interval rests on them


def hidden_because(question: ProgrammeQuestion) -> str | None:
    """Why the question's figures are not, or not all, shown; None when all are."""
    if not question.shown:
        return NOT_RELEASED
    if any(figure.count is None for figure in question.figures):
        return SMALL_GROUP
    return None


def pair_view(comparison: ProgrammeComparison) -> PairView:
    """The pair's shares before and after, shift and interval, or the reason they are hidden."""
    pre, post = comparison.pre, comparison.post
    reason = hidden_because(pre) or hidden_because(post)
    if reason is not None:
        return PairView(pre, post, reason, None, [], None, None)
    shift = comparison.shift
    if shift is None:
        rows = [
            ShiftRow(label, before.percent, after.percent)
            for label, before, after in zip(
                comparison.group_labels, pre.figures, post.figures, strict=True
            )
        ]
        why = SEVERAL_ANSWERS if question_type(pre.type).several else FEW_CLASSES
        return PairView(pre, post, None, why, rows, None, None)
    rows = [
        ShiftRow(
            label,
            round(100 * group.share_before),
            round(100 * group.share_after),
            round(group.shift),
            round(group.low),
            round(group.high),
        )
        for label, group in zip(comparison.group_labels, shift.groups, strict=True)
    ]
    return PairView(pre, post, None, None, rows, shift.mean, shift.classes_both)
