"""A school's or a municipality's sign-on settings and the provider identities linked to
accounts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc

if TYPE_CHECKING:
    from ..accounts.models import School, User
    from ..programmes.models import Municipality


class SignOn(db.Model):
    """One school's OpenID Connect provider, or one municipality's for its programme leads;
    the client secret is stored encrypted."""

    __table_args__ = (
        CheckConstraint("(school_id IS NULL) <> (municipality_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Exactly one of the two: the school, or the municipality whose leads sign on here.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), unique=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    # Trust `email` without `email_verified` (Entra ID sends none for school accounts).
    provider_verifies_email: Mapped[bool] = mapped_column(default=False)
    # Whether the school's teachers (the municipality's leads) may still log in with a password.
    passwords_allowed: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    # When the coordinator (or the operator) last saved these settings after reading the
    # provider's discovery document; None (settings from before this check): not used.
    verified_at: Mapped[datetime | None]

    school: Mapped[School | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    claims: Mapped[list[SignOnDomain]] = relationship(
        back_populates="sign_on", cascade="all, delete-orphan", order_by="SignOnDomain.domain"
    )

    @property
    def for_municipality(self) -> bool:
        """Whether a municipality's programme leads sign on here (else a school's staff)."""
        return self.municipality_id is not None

    @property
    def owner_name(self) -> str:
        """The school's or the municipality's name, for pages and the operator's commands."""
        owner = self.municipality if self.for_municipality else self.school
        return owner.name if owner is not None else ""

    @property
    def owner_key(self) -> str:
        """'school-<id>' or 'municipality-<id>': a name for logs and the provider client."""
        if self.for_municipality:
            return f"municipality-{self.municipality_id}"
        return f"school-{self.school_id}"

    @property
    def domain_list(self) -> list[str]:
        """The e-mail domains the owner claims, approved or not."""
        return [claim.domain for claim in self.claims]

    @property
    def approved_domains(self) -> list[str]:
        """The claimed domains that have been shown to be the owner's."""
        return [claim.domain for claim in self.claims if claim.approved_at is not None]

    @property
    def active(self) -> bool:
        """Whether anyone can sign on: a checked provider and at least one approved domain."""
        return self.verified_at is not None and bool(self.approved_domains)


@event.listens_for(SignOn, "before_insert")
@event.listens_for(SignOn, "before_update")
def _check_one_owner(_mapper, _connection, sign_on: SignOn) -> None:
    """Refuse a sign-on with no owner or two, in code as the database's check does."""
    if (sign_on.school_id is None) == (sign_on.municipality_id is None):
        raise ValueError("a sign-on belongs to exactly one school or one municipality")


class SignOnDomain(db.Model):
    """An e-mail domain a school (or a municipality) claims for sign-on; it routes nobody until
    approved.

    Several owners may claim a domain; once one claim is approved (by the operator or a DNS
    record) the others are removed, and the database allows one approved claim per domain.
    """

    __table_args__ = (
        UniqueConstraint("sign_on_id", "domain"),
        Index(
            "uq_sign_on_domain_approved",
            "domain",
            unique=True,
            sqlite_where=text("approved_at IS NOT NULL"),
            postgresql_where=text("approved_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sign_on_id: Mapped[int] = mapped_column(ForeignKey("sign_on.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(253))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    approved_at: Mapped[datetime | None]
    # "operator" (flask signon approve-domain) or "dns" (the owner's TXT record).
    approved_by: Mapped[str | None] = mapped_column(String(20))

    sign_on: Mapped[SignOn] = relationship(back_populates="claims")


class SignOnIdentity(db.Model):
    """A staff account's subject id at its school's (a lead's: municipality's) provider, set on
    first sign-on."""

    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    user: Mapped[User] = relationship()
