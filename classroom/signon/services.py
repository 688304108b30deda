"""Sign-on rules without a request: which school or municipality an address belongs to, who
may get in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask

from ..accounts.models import School, User
from ..accounts.services import (
    accept_invitation,
    find_user_by_email,
    invitation_state,
    pending_invitations,
)
from ..extensions import db
from ..timeutil import now_utc
from .crypto import encrypt
from .domains import txt_record_found, verification_record
from .models import SignOn, SignOnDomain, SignOnIdentity

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from ..programmes.models import Municipality

    # Whose provider a sign-on is: a school's, for its staff, or a municipality's, for its leads.
    Owner = School | Municipality


class SignOnError(Exception):
    """Sign-on refused; the argument is a code the views turn into a message."""


@dataclass
class Settings:
    """What a coordinator (or the operator) fills in; `secret` None keeps the stored one."""

    issuer: str
    client_id: str
    secret: str | None
    domains: list[str]
    provider_verifies_email: bool
    passwords_allowed: bool


def private_issuers_allowed(app: Flask) -> bool:
    """SIGNON_ALLOW_PRIVATE_ISSUERS, which is on by default in debug mode only."""
    allowed = app.config.get("SIGNON_ALLOW_PRIVATE_ISSUERS")
    if isinstance(allowed, str):  # from an environment variable that is not JSON
        return allowed.strip().lower() in ("1", "true", "yes", "on")
    return app.debug if allowed is None else bool(allowed)


def _owned_by(owner: Owner) -> ColumnElement[bool]:
    """The condition that a sign-on is the owner's."""
    if isinstance(owner, School):
        return SignOn.school_id == owner.id
    return SignOn.municipality_id == owner.id


def _is_owner(sign_on: SignOn, owner: Owner) -> bool:
    """Whether the sign-on is the owner's (a school's or a municipality's)."""
    if isinstance(owner, School):
        return sign_on.school_id == owner.id
    return sign_on.municipality_id == owner.id


def municipality_named(name: str) -> Municipality | None:
    """The municipality with this name, if the operator made it; sign-on never makes one."""
    # `programmes` sits above this package: its model is reached through the relationship.
    municipality = SignOn.municipality.property.mapper.class_
    return db.session.scalar(db.select(municipality).where(municipality.name == name))


def sign_on_of(owner: Owner) -> SignOn | None:
    """The school's or the municipality's sign-on settings, if it has any."""
    return db.session.scalar(db.select(SignOn).where(_owned_by(owner)))


def sign_on_for_email(email: str) -> SignOn | None:
    """The checked sign-on of the school or municipality the address's domain is approved
    for, if any."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    return db.session.scalar(
        db.select(SignOn)
        .join(SignOnDomain)
        .where(
            SignOnDomain.domain == domain,
            SignOnDomain.approved_at.is_not(None),
            SignOn.verified_at.is_not(None),
        )
    )


def domains_approved_elsewhere(owner: Owner, domains: list[str]) -> list[str]:
    """The domains in the list that are approved for another school or municipality."""
    taken = set(
        db.session.scalars(
            db.select(SignOnDomain.domain)
            .join(SignOn)
            .where(
                SignOnDomain.domain.in_(domains),
                SignOnDomain.approved_at.is_not(None),
                # Not `!=` on the owner's column: the other kind of owner has NULL there.
                SignOn.id.not_in(db.select(SignOn.id).where(_owned_by(owner))),
            )
        )
    )
    return [d for d in domains if d in taken]


def save_settings(owner: Owner, settings: Settings) -> SignOn:
    """Create or update the owner's sign-on after its discovery document was read; no commit.

    New domains are claimed pending approval; kept domains keep their approval.
    """
    sign_on = sign_on_of(owner)
    if sign_on is None:
        if not settings.secret:
            raise SignOnError("secret-required")
        if isinstance(owner, School):
            sign_on = SignOn(school_id=owner.id)
        else:
            sign_on = SignOn(municipality_id=owner.id)
        db.session.add(sign_on)
    sign_on.issuer = settings.issuer.rstrip("/")
    sign_on.client_id = settings.client_id
    if settings.secret:
        sign_on.secret_encrypted = encrypt(settings.secret)
    claimed = {claim.domain: claim for claim in sign_on.claims}
    sign_on.claims = [claimed.get(d) or SignOnDomain(domain=d) for d in settings.domains]
    sign_on.provider_verifies_email = settings.provider_verifies_email
    sign_on.passwords_allowed = settings.passwords_allowed
    mark_checked(sign_on)
    return sign_on


def unchecked_providers() -> list[SignOn]:
    """The sign-ons whose provider was never checked (settings from before the check)."""
    return list(
        db.session.scalars(
            db.select(SignOn).where(SignOn.verified_at.is_(None)).order_by(SignOn.id)
        )
    )


def mark_checked(sign_on: SignOn) -> None:
    """Record that the provider's discovery document was just read and passed; no commit."""
    sign_on.verified_at = now_utc()
    db.session.flush()


def pending_claims() -> list[SignOnDomain]:
    """Every claim of a domain that is not approved yet, by domain."""
    return list(
        db.session.scalars(
            db.select(SignOnDomain)
            .where(SignOnDomain.approved_at.is_(None))
            .order_by(SignOnDomain.domain, SignOnDomain.created_at)
        )
    )


def approve_domain(domain: str, by: str, owner: Owner | None = None) -> SignOnDomain:
    """Approve a school's (or a municipality's) claim of the domain and remove the other
    claims; no commit.

    `owner` picks the claim when several claim the domain. Raises SignOnError
    'not-claimed', 'several-claims' or 'approved-elsewhere'.
    """
    claims = list(db.session.scalars(db.select(SignOnDomain).where(SignOnDomain.domain == domain)))
    approved = [c for c in claims if c.approved_at is not None]
    chosen = [c for c in claims if owner is None or _is_owner(c.sign_on, owner)]
    if approved and (owner is None or _is_owner(approved[0].sign_on, owner)):
        return approved[0]
    if approved:
        raise SignOnError("approved-elsewhere")
    if not chosen:
        raise SignOnError("not-claimed")
    if len(chosen) > 1:
        raise SignOnError("several-claims")
    claim = chosen[0]
    for other in claims:
        if other is not claim:
            other.sign_on.claims.remove(other)
    db.session.flush()
    claim.approved_at = now_utc()
    claim.approved_by = by
    db.session.flush()
    return claim


def revoke_domain(domain: str) -> SignOnDomain | None:
    """Take back the approval of a domain; the claim stays, pending. No commit."""
    claim = db.session.scalar(
        db.select(SignOnDomain).where(
            SignOnDomain.domain == domain, SignOnDomain.approved_at.is_not(None)
        )
    )
    if claim is not None:
        claim.approved_at = claim.approved_by = None
        db.session.flush()
    return claim


def domain_record(sign_on: SignOn, domain: str, secret_key: str | bytes) -> str:
    """The TXT record that shows the domain is the school's (or the municipality's)."""
    # A school's record stays as it was before municipalities could sign on.
    owner = sign_on.owner_key if sign_on.for_municipality else sign_on.school_id
    return verification_record(secret_key, owner, domain)


def check_domains(
    sign_on: SignOn, secret_key: str | bytes, nameserver: str | None
) -> dict[str, str]:
    """Look up the TXT record of each pending domain and approve those that have it; no commit.

    Returns per pending domain 'approved', 'missing', 'no-answer' (DNS could not be asked)
    or 'approved-elsewhere'.
    """
    results = {}
    for claim in [c for c in sign_on.claims if c.approved_at is None]:
        record = domain_record(sign_on, claim.domain, secret_key)
        found = txt_record_found(claim.domain, record, nameserver)
        if not found:
            results[claim.domain] = "missing" if found is False else "no-answer"
            continue
        try:
            approve_domain(claim.domain, "dns", sign_on.municipality or sign_on.school)
        except SignOnError as error:
            results[claim.domain] = str(error)
        else:
            results[claim.domain] = "approved"
    return results


def remove_settings(owner: Owner) -> None:
    """Switch sign-on off for the owner; linked identities stay for a later return."""
    if (sign_on := sign_on_of(owner)) is not None:
        db.session.delete(sign_on)
        db.session.flush()


def password_refusal(user: User) -> str | None:
    """'sign-on-only' when the teacher's school, or the lead's municipality, allows no
    password login; coordinators keep their password."""
    if user.role == "teacher" and user.school_id is not None:
        owned_by = SignOn.school_id == user.school_id
    elif user.role == "lead" and user.municipality_id is not None:
        owned_by = SignOn.municipality_id == user.municipality_id
    else:
        return None
    sign_on = db.session.scalar(db.select(SignOn).where(owned_by))
    if sign_on is not None and sign_on.active and not sign_on.passwords_allowed:
        return "sign-on-only"
    return None


def belongs_to(user: User, sign_on: SignOn) -> bool:
    """Whether the account may sign on here: a school's staff at the school's provider, a
    municipality's programme lead at the municipality's."""
    if sign_on.for_municipality:
        return user.role == "lead" and user.municipality_id == sign_on.municipality_id
    return user.works_at_school and user.school_id == sign_on.school_id


def account_for(sign_on: SignOn, claims: dict) -> User:
    """The account these verified ID-token claims sign on to; links it the first time.

    Raises SignOnError with 'deactivated', 'unverified', 'other-domain' or 'not-invited'.
    May add a school's account from a pending invitation (never a lead's); no commit.
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
        if not belongs_to(user, sign_on):
            raise SignOnError("not-invited")
        if not user.active:
            raise SignOnError("deactivated")
        return user
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified") is True or sign_on.provider_verifies_email
    if not email or not verified:
        raise SignOnError("unverified")
    if email.rpartition("@")[2] not in sign_on.approved_domains:
        raise SignOnError("other-domain")
    user = find_user_by_email(email)
    if user is None and sign_on.for_municipality:
        raise SignOnError("not-invited")  # the operator makes leads, nobody else
    if user is None:
        user = _from_invitation(sign_on, email)
    if not belongs_to(user, sign_on):
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
