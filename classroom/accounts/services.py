"""Account operations shared by views and CLI commands."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func

from ..extensions import db
from ..timeutil import now_utc
from .models import ROLES, SCHOOL_ROLES, Invitation, PasswordReset, School, User, new_session_token
from .passwords import password_problem

INVITATION_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(days=1)


class AccountError(ValueError):
    """An account cannot be created as asked."""


def find_user_by_email(email: str) -> User | None:
    """Return the account with this e-mail address, ignoring case."""
    return db.session.scalar(db.select(User).where(func.lower(User.email) == email.lower()))


def password_refused(user: User) -> bool:
    """Whether a feature above accounts (school sign-on) refuses this user a password."""
    checks = current_app.extensions.get("password_login_checks", [])
    return any(check(user) for check in checks)


def get_or_create_school(name: str) -> School:
    """Return the school with this name, adding it when it does not exist."""
    school = db.session.scalar(db.select(School).where(School.name == name))
    if school is None:
        school = School(name=name)
        db.session.add(school)
        db.session.flush()
    return school


def create_user(
    school: School | None,
    email: str,
    name: str,
    role: str,
    password: str,
    check: bool = True,
    municipality_id: int | None = None,
) -> User:
    """Add an account; `check=False` only for the published demo logins. No commit.

    School staff need a school, a programme lead a municipality, an operator neither.
    """
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if (school is not None) != (role in SCHOOL_ROLES):
        raise AccountError("teachers and coordinators, and only they, belong to a school")
    if (municipality_id is not None) != (role == "lead"):
        raise AccountError("a programme lead, and only a lead, belongs to a municipality")
    if check and (problem := password_problem(password, email)):
        raise AccountError(problem)
    if find_user_by_email(email):
        raise AccountError(f"an account with e-mail {email} already exists")
    user = User(
        school=school, municipality_id=municipality_id, email=email.lower(), name=name, role=role
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(school: School, email: str, name: str) -> tuple[Invitation, str]:
    """Create a single-use invitation; returns it with the token (shown only once).

    Only an account or invitation of this school refuses the address: whether
    another school has an account with it is not this coordinator's to learn
    (accepting such an invitation is refused then, to its owner only).
    """
    email = email.strip().lower()
    existing = find_user_by_email(email)
    taken = (existing is not None and existing.school_id == school.id) or any(
        invitation.email == email for invitation in pending_invitations(school)
    )
    if taken:
        raise AccountError("email-taken")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        school_id=school.id,
        email=email,
        name=name.strip(),
        token_hash=_token_hash(token),
        expires_at=now_utc() + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def pending_invitations(school: School) -> list[Invitation]:
    """Invitations of the school that are neither used nor expired."""
    return list(
        db.session.scalars(
            db.select(Invitation)
            .where(
                Invitation.school_id == school.id,
                Invitation.used_at.is_(None),
                Invitation.expires_at > now_utc(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def find_invitation(token: str) -> Invitation | None:
    """The invitation with this token, used or not."""
    return db.session.scalar(
        db.select(Invitation).where(Invitation.token_hash == _token_hash(token))
    )


def invitation_state(link: Invitation | PasswordReset | None) -> str:
    """'valid', 'unknown', 'used' or 'expired', of an invitation or a reset link."""
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    if _aware(link.expires_at) <= now_utc():
        return "expired"
    return "valid"


def create_password_reset(user: User, lifetime: timedelta = RESET_LIFETIME) -> str:
    """A single-use reset link's token for the user (shown only once); older links stop."""
    db.session.execute(
        db.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now_utc())
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(
            user_id=user.id, token_hash=_token_hash(token), expires_at=now_utc() + lifetime
        )
    )
    db.session.flush()
    return token


def find_password_reset(token: str) -> PasswordReset | None:
    """The reset link with this token, used or not."""
    return db.session.scalar(
        db.select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    )


def use_password_reset(reset: PasswordReset, password: str) -> User:
    """Set the new password through a valid link; every other session of the account ends."""
    if problem := password_problem(password, reset.user.email):
        raise AccountError(problem)
    if invitation_state(reset) != "valid" or not reset.user.active:
        raise AccountError("used")
    _claim(reset)
    reset.user.set_password(password)
    reset.user.session_token = new_session_token()
    return reset.user


def _claim(link: Invitation | PasswordReset) -> None:
    """Use up a single-use link in one statement: of two browsers using it at once, the
    second waits for the first and then finds nothing left to claim."""
    model = type(link)
    claimed = db.session.execute(
        db.update(model)
        .where(model.id == link.id, model.used_at.is_(None))
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AccountError("used")


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=now_utc().tzinfo)


def accept_invitation(invitation: Invitation, password: str) -> User:
    """Turn a valid invitation into a teacher account; the invitation is used up."""
    if problem := password_problem(password, invitation.email):
        raise AccountError(problem)
    if invitation_state(invitation) != "valid":
        raise AccountError(invitation_state(invitation))
    if find_user_by_email(invitation.email) is not None:
        raise AccountError("email-taken")
    _claim(invitation)
    user = User(
        school_id=invitation.school_id, email=invitation.email, name=invitation.name, role="teacher"
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
