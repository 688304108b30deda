"""A school's sign-on settings and the provider identities linked to staff accounts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc

if TYPE_CHECKING:
    from ..accounts.models import School, User


class SignOn(db.Model):
    """One school's OpenID Connect provider; the client secret is stored encrypted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    # E-mail domains of the school, lower case, one per line.
    domains: Mapped[str] = mapped_column(Text)
    # Trust `email` without `email_verified` (Entra ID sends none for school accounts).
    provider_verifies_email: Mapped[bool] = mapped_column(default=False)
    # Whether the school's teachers may still log in with a password.
    passwords_allowed: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    school: Mapped[School] = relationship()

    @property
    def domain_list(self) -> list[str]:
        """The school's e-mail domains as a list."""
        return [d for d in self.domains.split() if d]


class SignOnIdentity(db.Model):
    """A staff account's subject id at its school's provider, set on first sign-on."""

    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    user: Mapped[User] = relationship()
