"""Sign-on rules without a request: which school an address belongs to, who may get in."""

import secrets
from dataclasses import dataclass

from ..accounts.models import School, User
from ..accounts.services import (
    accept_invitation,
    find_user_by_email,
    invitation_state,
    pending_invitations,
)
from ..extensions import db
from .crypto import encrypt
from .models import SignOn, SignOnIdentity


class SignOnError(Exception):
    """Sign-on refused; the argument is a code the views turn into a message."""


@dataclass
class Settings:
    """What a coordinator fills in; `secret` None keeps the stored one."""

    issuer: str
    client_id: str
    secret: str | None
    domains: list[str]
    provider_verifies_email: bool
    passwords_allowed: bool


def sign_on_of(school: School) -> SignOn | None:
    """The school's sign-on settings, if it has any."""
    return db.session.scalar(db.select(SignOn).where(SignOn.school_id == school.id))


def sign_on_for_email(email: str) -> SignOn | None:
    """The sign-on of the school whose domains include the address's domain."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    for sign_on in db.session.scalars(db.select(SignOn)):
        if domain in sign_on.domain_list:
            return sign_on
    return None


def domains_of_other_schools(school: School, domains: list[str]) -> list[str]:
    """The domains in the list that another school has already claimed."""
    others = db.session.scalars(db.select(SignOn).where(SignOn.school_id != school.id))
    taken = {d for sign_on in others for d in sign_on.domain_list}
    return [d for d in domains if d in taken]


def save_settings(school: School, settings: Settings) -> SignOn:
    """Create or update the school's sign-on; no commit."""
    sign_on = sign_on_of(school)
    if sign_on is None:
        if not settings.secret:
            raise SignOnError("secret-required")
        sign_on = SignOn(school_id=school.id)
        db.session.add(sign_on)
    sign_on.issuer = settings.issuer.rstrip("/")
    sign_on.client_id = settings.client_id
    if settings.secret:
        sign_on.secret_encrypted = encrypt(settings.secret)
    sign_on.domains = "\n".join(settings.domains)
    sign_on.provider_verifies_email = settings.provider_verifies_email
    sign_on.passwords_allowed = settings.passwords_allowed
    db.session.flush()
    return sign_on


def remove_settings(school: School) -> None:
    """Switch sign-on off for the school; linked identities stay for a later return."""
    if (sign_on := sign_on_of(school)) is not None:
        db.session.delete(sign_on)
        db.session.flush()


def password_refusal(user: User) -> str | None:
    """'sign-on-only' when the user's school allows its teachers no password login."""
    sign_on = sign_on_of(user.school)
    if sign_on is not None and not sign_on.passwords_allowed and user.role == "teacher":
        return "sign-on-only"
    return None


def account_for(sign_on: SignOn, claims: dict) -> User:
    """The staff account these verified ID-token claims sign on to; links it the first time.

    Raises SignOnError with 'deactivated', 'unverified', 'other-domain' or 'not-invited'.
    May add an account from a pending invitation; no commit.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignOnError("failed")
    identity = db.session.scalar(
        db.select(SignOnIdentity).where(
            SignOnIdentity.issuer == sign_on.issuer, SignOnIdentity.subject == subject
        )
    )
    if identity is not None:
        user = identity.user
        if user.school_id != sign_on.school_id:
            raise SignOnError("not-invited")
        if not user.active:
            raise SignOnError("deactivated")
        return user
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified") is True or sign_on.provider_verifies_email
    if not email or not verified:
        raise SignOnError("unverified")
    if email.rpartition("@")[2] not in sign_on.domain_list:
        raise SignOnError("other-domain")
    user = find_user_by_email(email)
    if user is None:
        user = _from_invitation(sign_on, email)
    if user.school_id != sign_on.school_id:
        raise SignOnError("not-invited")
    if not user.active:
        raise SignOnError("deactivated")
    linked = db.session.scalar(db.select(SignOnIdentity).where(SignOnIdentity.user_id == user.id))
    if linked is not None:
        # The account is already linked to another identity at the provider.
        raise SignOnError("linked-elsewhere")
    db.session.add(SignOnIdentity(user_id=user.id, issuer=sign_on.issuer, subject=subject))
    db.session.flush()
    return user


def _from_invitation(sign_on: SignOn, email: str) -> User:
    """Accept the school's pending invitation for this address by signing on."""
    invitation = next(
        (i for i in pending_invitations(sign_on.school) if i.email == email),
        None,
    )
    if invitation is None or invitation_state(invitation) != "valid":
        raise SignOnError("not-invited")
    # The account gets a password nobody knows; the teacher signs on instead.
    return accept_invitation(invitation, secrets.token_urlsafe(32))
