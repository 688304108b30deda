"""A school's answer to a programme's invitation: accepting, declining and leaving.

Every lookup takes the school first, so a coordinator reaches only their own school's
invitations. Each step writes one line to the school's audit list; the caller commits.
"""

from __future__ import annotations

from datetime import date

from ..accounts.models import School, User
from ..coordination.settings import log_change
from ..extensions import db
from ..timeutil import now_utc
from .models import Programme, ProgrammeSchool
from .participation import counts_now

# The audit list's setting for each step; coordination.settings_views names them.
AUDIT_SETTINGS = {
    "accepted": "programme_accepted",
    "declined": "programme_declined",
    "left": "programme_left",
}


class MembershipError(ValueError):
    """A step the invitation's status does not allow now; nothing was changed."""


def invitations_of(school: School) -> list[ProgrammeSchool]:
    """The school's invitations with their programme and municipality, newest programme first."""
    return list(
        db.session.scalars(
            db.select(ProgrammeSchool)
            .join(ProgrammeSchool.programme)
            .where(ProgrammeSchool.school_id == school.id)
            .options(
                db.contains_eager(ProgrammeSchool.programme).joinedload(Programme.municipality)
            )
            .order_by(Programme.starts_on.desc(), Programme.id.desc())
        )
    )


def invitation_for(school: School, programme_id: int) -> ProgrammeSchool | None:
    """The school's own invitation to a programme, or None (never another school's)."""
    return db.session.scalar(
        db.select(ProgrammeSchool)
        .where(
            ProgrammeSchool.school_id == school.id,
            ProgrammeSchool.programme_id == programme_id,
        )
        .options(db.joinedload(ProgrammeSchool.programme).joinedload(Programme.municipality))
    )


def programme_of_school(school: School, programme_id: int) -> Programme | None:
    """A programme the school takes part in (it accepted), or None."""
    invitation = invitation_for(school, programme_id)
    if invitation is None or invitation.status != "accepted":
        return None
    return invitation.programme


def participating_school_ids(programme: Programme) -> set[int]:
    """The ids of the schools that accepted the programme and did not leave it."""
    return set(
        db.session.scalars(
            db.select(ProgrammeSchool.school_id).where(
                ProgrammeSchool.programme_id == programme.id,
                ProgrammeSchool.status == "accepted",
            )
        )
    )


def has_ended(programme: Programme, today: date | None = None) -> bool:
    """Whether the programme's period lies behind us."""
    return programme.ends_on < (today or now_utc().date())


def accept(invitation: ProgrammeSchool, user: User, today: date | None = None) -> None:
    """Take part: from invited, or after declining while the programme has not ended."""
    if invitation.status == "accepted":
        raise MembershipError("already-accepted")
    if invitation.status == "left":
        raise MembershipError("left-for-good")
    if has_ended(invitation.programme, today):
        raise MembershipError("ended")
    _move(invitation, user, "accepted")


def decline(invitation: ProgrammeSchool, user: User) -> None:
    """Say no to an open invitation; a school that takes part leaves instead."""
    if invitation.status != "invited":
        raise MembershipError(
            {"accepted": "leave-instead", "declined": "already-declined"}.get(
                invitation.status, "left-for-good"
            )
        )
    _move(invitation, user, "declined")


def leave(invitation: ProgrammeSchool, user: User) -> None:
    """Stop taking part: the school's lessons count in no later release; no way back."""
    if invitation.status != "accepted":
        raise MembershipError("already-left" if invitation.status == "left" else "not-taking-part")
    invitation.left_counts = counts_now(invitation.programme, invitation.school_id)
    _move(invitation, user, "left")


def _move(invitation: ProgrammeSchool, user: User, status: str) -> None:
    invitation.status = status
    invitation.answered_at = now_utc()
    programme = invitation.programme
    # The step is the line's setting, so its label reads in either language; the value
    # names the programme as the lead entered it.
    log_change(
        invitation.school,
        user,
        AUDIT_SETTINGS[status],
        None,
        f"{programme.name} ({programme.municipality.name})",
    )
    db.session.flush()
