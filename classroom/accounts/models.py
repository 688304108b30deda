"""Schools and the staff accounts that belong to them."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import now_utc

if TYPE_CHECKING:
    from ..coordination.models import SchoolClass

# Staff of a school; a programme lead works for a municipality, an operator runs the server.
SCHOOL_ROLES = ("teacher", "coordinator")
ROLES = (*SCHOOL_ROLES, "lead", "operator")
DEFAULT_RETENTION_DAYS = 30


def new_session_token() -> str:
    """Return a random token; changing it ends every session of an account."""
    return secrets.token_urlsafe(16)


class School(db.Model):
    """A school: the boundary of everything its staff may see."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Results appear only from this many answers on (k-anonymity threshold).
    min_answers: Mapped[int] = mapped_column(default=5)
    # The same for figures that combine the runs of several classes.
    school_min_answers: Mapped[int] = mapped_column(default=10, server_default="10")
    # Raw answers are deleted this many days after a lesson ends; totals remain.
    retention_days: Mapped[int] = mapped_column(
        default=DEFAULT_RETENTION_DAYS, server_default=str(DEFAULT_RETENTION_DAYS)
    )
    # Who students can talk to at school; shown with the support message.
    support_text: Mapped[str | None] = mapped_column(String(1000))
    # Extra words, one per line, that pre-flag open answers for the teacher.
    flag_words: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    users: Mapped[list[User]] = relationship(back_populates="school")
    classes: Mapped[list[SchoolClass]] = relationship(back_populates="school")


class User(UserMixin, db.Model):
    """A staff account; students never have one.

    Teachers and coordinators belong to a school; a programme lead to a municipality
    (and no school); an operator to neither.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    school: Mapped[School] = relationship(back_populates="users")

    @property
    def works_at_school(self) -> bool:
        """Whether this account is a school's teacher or coordinator."""
        return self.role in SCHOOL_ROLES and self.school_id is not None

    @property
    def is_active(self) -> bool:
        """Deactivated accounts cannot log in; Flask-Login reads this."""
        return self.active

    def get_id(self) -> str:
        """Session id bound to the session token, so a new token logs out everywhere."""
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password; never the password itself."""
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Tell whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class PasswordReset(db.Model):
    """A single-use link, mailed to the account's own address, with which it sets a new password."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Invitation(db.Model):
    """A single-use link with which a new teacher sets a password; only its hash is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    school: Mapped[School] = relationship()
