"""Municipalities, their programmes, the schools invited to them and the programme releases."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc

if TYPE_CHECKING:
    from ..accounts.models import School

# A programme's k: figures need this many answers, and change only by as many again.
DEFAULT_PROGRAMME_K = 50
MIN_PROGRAMME_K = 30
# Figures need answers from this many schools; a new release from this many more.
MIN_SCHOOLS = 3
MIN_NEW_SCHOOLS = 2
# The invitation statuses whose school's staff read and start the programme's module.
READS_MODULE = ("invited", "accepted")


class Municipality(db.Model):
    """A municipality or region that runs programmes in the schools on this server."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    programmes: Mapped[list[Programme]] = relationship(
        back_populates="municipality", order_by="Programme.id.desc()"
    )


class Programme(db.Model):
    """One module, fixed at a version, given in the schools that accept the invitation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    module_slug: Mapped[str] = mapped_column(String(80))
    module_version: Mapped[str] = mapped_column(ForeignKey("module_version.digest"))
    titles: Mapped[dict[str, str]] = mapped_column(JSON)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # A third session of the lesson some weeks later, with the module's follow-up polls.
    follow_up_on: Mapped[date | None]
    min_answers: Mapped[int] = mapped_column(default=DEFAULT_PROGRAMME_K)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    municipality: Mapped[Municipality] = relationship(back_populates="programmes")
    schools: Mapped[list[ProgrammeSchool]] = relationship(
        back_populates="programme", cascade="all, delete-orphan"
    )

    @property
    def k(self) -> int:
        """The programme's k, never below the floor."""
        return max(self.min_answers, MIN_PROGRAMME_K)

    def title(self, language: str) -> str:
        """The module's title in the language, else in Dutch."""
        return self.titles.get(language) or next(iter(self.titles.values()), self.module_slug)


class ProgrammeSchool(db.Model):
    """A school invited to a programme, and its answer: invited, accepted, declined or left."""

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(10), default="invited")
    invited_at: Mapped[datetime] = mapped_column(default=now_utc)
    answered_at: Mapped[datetime | None]
    # A school that left: its classes planned, in a lesson, paused and ended at that moment
    # (a lesson resumed later leaves no trace of its pause, so they are kept, not recounted).
    left_counts: Mapped[dict[str, int] | None] = mapped_column(JSON)

    programme: Mapped[Programme] = relationship(back_populates="schools")
    school: Mapped[School] = relationship()


class ProgrammeRelease(db.Model):
    """The programme's frozen figures: per poll key, the school-released lessons counted.

    `questions` maps a poll key to {"total", "counts", "schools", "runs": {run id:
    {"school", "class", "total", "counts"}}}; the per-lesson figures feed the interval
    and a later release's recount only (`releases`).
    """

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(default=1)
    questions: Mapped[dict[str, Any]] = mapped_column(JSON)
    released_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
