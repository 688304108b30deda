"""Modules written by teachers: the same text files as a library folder, kept in the database."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc

if TYPE_CHECKING:
    from ..accounts.models import School, User


class OwnModule(db.Model):
    """A teacher's module: its files (`nl.md`, `en.md`, ...) exactly as in a lessons folder."""

    # A slug is the school's: another school may use it, and runs keep a version, not a slug.
    __table_args__ = (UniqueConstraint("school_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    # A shared module stays with the school when its author's account is deleted.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # Never the name of a library folder, nor a slug the school gave lessons with before.
    slug: Mapped[str] = mapped_column(String(80))
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    # The library module this one was copied from, if any.
    origin: Mapped[str | None] = mapped_column(String(80))
    shared_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)

    school: Mapped[School] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def languages(self) -> list[str]:
        """The languages this module has a guide in, Dutch first."""
        return [lang for lang in ("nl", "en") if f"{lang}.md" in self.files]


class ModuleVersion(db.Model):
    """A module's files exactly as a lesson was started with them; never changed or reused.

    Keyed by a hash of the owner and the files, so that every lesson started from the
    same text shares one row (the library's modules above all).
    """

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The school whose own module this was; None for the library (trusted Markdown).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    # The municipality whose programme brought this module as a zip (untrusted Markdown).
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    slug: Mapped[str] = mapped_column(String(80))
    titles: Mapped[dict[str, str]] = mapped_column(JSON)
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
