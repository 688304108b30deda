"""Classes of a school, the teachers who teach them, and the history of its settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc

if TYPE_CHECKING:
    from ..accounts.models import School, User

LEVELS = ("vmbo", "havo", "vwo")

class_teacher = Table(
    "class_teacher",
    db.metadata,
    Column("class_id", ForeignKey("school_class.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class SchoolClass(db.Model):
    """A class such as "3 HAVO B", taught by one or more teachers."""

    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(10))
    year: Mapped[int]
    # Number of students; a lesson refuses phones beyond it (plus two). None: unknown.
    size: Mapped[int | None]
    archived_at: Mapped[datetime | None]

    school: Mapped[School] = relationship(back_populates="classes")
    teachers: Mapped[list[User]] = relationship(secondary=class_teacher)


class Assignment(db.Model):
    """A module a coordinator planned for a class, with the teacher who gives it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80))
    due_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    done_at: Mapped[datetime | None]
    # Part of a municipality's programme: its lessons start with the programme's version.
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    module_version: Mapped[str | None] = mapped_column(ForeignKey("module_version.digest"))

    school_class: Mapped[SchoolClass] = relationship()
    teacher: Mapped[User] = relationship()
    # The lesson of this assignment that waits for its next session, if any: set for the
    # assignments a page shows (`services.assignments_of`), by the lessons package.
    paused_run = None  # Run | None
    # The name of the programme this assignment is part of, if any: set for the same
    # pages by the programmes package (`programmes.assignment_labels`).
    programme_name = None  # str | None
    # For a programme's own module (a municipality's zip): its page and title.
    module_page = None  # str | None
    module_title = None  # str | None

    def status(self, today: date) -> str:
        """'done' once a linked run ended, 'paused' while one waits for its next session,
        'overdue' after the due date, else 'planned' (vocabulary.ASSIGNMENT_STATUSES)."""
        if self.done_at is not None:
            return "done"
        if self.paused_run is not None:
            return "paused"
        return "overdue" if self.due_on < today else "planned"


class SettingChange(db.Model):
    """One change of a school setting: who made it, the old and new value, and when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    # The name is kept as it was, so the list still reads right after an account goes.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(120))
    setting: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(default=now_utc)
