"""Sign-on rules without a request: which school an address belongs to, who may get in."""

import secrets
from dataclasses import dataclass

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


def private_issuers_allowed(app: Flask) -> bool:
    """SIGNON_ALLOW_PRIVATE_ISSUERS, which is on by default in debug mode only."""
    allowed = app.config.get("SIGNON_ALLOW_PRIVATE_ISSUERS")
    if isinstance(allowed, str):  # from an environment variable that is not JSON
        return allowed.strip().lower() in ("1", "true", "yes", "on")
    return app.debug if allowed is None else bool(allowed)


def sign_on_of(school: School) -> SignOn | None:
    """The school's sign-on settings, if it has any."""
    return db.session.scalar(db.select(SignOn).where(SignOn.school_id == school.id))


def sign_on_for_email(email: str) -> SignOn | None:
    """The checked sign-on of the school the address's domain is approved for, if any."""
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


def domains_approved_elsewhere(school: School, domains: list[str]) -> list[str]:
    """The domains in the list that are approved for another school."""
    taken = set(
        db.session.scalars(
            db.select(SignOnDomain.domain)
            .join(SignOn)
            .where(
                SignOnDomain.domain.in_(domains),
                SignOnDomain.approved_at.is_not(None),
                SignOn.school_id != school.id,
            )
        )
    )
    return [d for d in domains if d in taken]


def save_settings(school: School, settings: Settings) -> SignOn:
    """Create or update the school's sign-on after its discovery document was read; no commit.

    New domains are claimed pending approval; kept domains keep their approval.
    """
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


def approve_domain(domain: str, by: str, school: School | None = None) -> SignOnDomain:
    """Approve a school's claim of the domain and remove other schools' claims; no commit.

    `school` picks the claim when several schools claim the domain. Raises SignOnError
    'not-claimed', 'several-claims' or 'approved-elsewhere'.
    """
    claims = list(db.session.scalars(db.select(SignOnDomain).where(SignOnDomain.domain == domain)))
    approved = [c for c in claims if c.approved_at is not None]
    chosen = [c for c in claims if school is None or c.sign_on.school_id == school.id]
    if approved and (school is None or approved[0].sign_on.school_id == school.id):
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
    """The TXT record that shows the domain is the school's."""
    return verification_record(secret_key, sign_on.school_id, domain)


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
            approve_domain(claim.domain, "dns", sign_on.school)
        except SignOnError as error:
            results[claim.domain] = str(error)
        else:
            results[claim.domain] = "approved"
    return results


def remove_settings(school: School) -> None:
    """Switch sign-on off for the school; linked identities stay for a later return."""
    if (sign_on := sign_on_of(school)) is not None:
        db.session.delete(sign_on)
        db.session.flush()


def password_refusal(user: User) -> str | None:
    """'sign-on-only' when the user's school allows its teachers no password login."""
    if user.school is None:
        return None
    sign_on = sign_on_of(user.school)
    if (
        sign_on is not None
        and sign_on.active
        and not sign_on.passwords_allowed
        and (user.role == "teacher")
    ):
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
    if email.rpartition("@")[2] not in sign_on.approved_domains:
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
