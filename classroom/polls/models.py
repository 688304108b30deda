"""Lesson runs, the questions copied into them, and the anonymous responses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, false, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..questions import QuestionType, question_type
from ..timeutil import as_utc, now_utc

if TYPE_CHECKING:
    from ..accounts.models import School, User
    from ..coordination.models import Assignment, SchoolClass


def run_is_open(
    ended_at: datetime | None, paused_at: datetime | None, expires_at: datetime | None
) -> bool:
    """`Run.is_open` on the columns themselves, for a read without the ORM."""
    return ended_at is None and paused_at is None and not _passed(expires_at)


def _passed(moment: datetime | None) -> bool:
    return moment is not None and as_utc(moment) <= now_utc()


class RunState:
    """What a run's own columns say; shared by `Run` and `LiveRun`.

    A subclass has `ended_at`, `paused_at`, `expires_at`, `titles` and `language`.
    """

    @property
    def is_open(self) -> bool:
        """Tell whether students can still join and answer (not while paused)."""
        return run_is_open(self.ended_at, self.paused_at, self.expires_at)

    @property
    def is_paused(self) -> bool:
        """Whether the run waits for its next session (paused, not ended, not expired)."""
        return self.paused_at is not None and self.ended_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        """Whether the run outlived its time limit without being ended."""
        return _passed(self.expires_at)

    def title(self, language: str) -> str:
        """Return the module title in the language, falling back to the run's."""
        return self.titles.get(language) or self.titles[self.language]


class Run(RunState, db.Model):
    """One lesson of one module given to one class; students join it by code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"), index=True)
    # The municipality's programme this lesson was given for; kept if the assignment goes.
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80), index=True)
    # The module's texts as the run started with them (guide, pack); None for runs started
    # before versions were kept. A slug is looked up within the run's school only.
    module_version: Mapped[str | None] = mapped_column(ForeignKey("module_version.digest"))
    titles: Mapped[dict[str, str]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(5))
    join_code: Mapped[str] = mapped_column(String(9), unique=True)
    # Position of the question on the projector; None before the first is opened.
    current_position: Mapped[int | None]
    # Bumped on every change students or the projector must follow (ETag source).
    version: Mapped[int] = mapped_column(default=1)
    # The module's phases per language, copied at the start: [{key, title, minutes, projector}].
    phases: Mapped[dict[str, list[dict[str, Any]]] | None] = mapped_column(JSON)
    # What the projector shows, as an identity that skip and restore leave alone:
    # "rules", "phase:<key>", "question:<id>" or "end"; see polls.flow.
    step_key: Mapped[str] = mapped_column(String(60), default="rules", server_default="rules")
    # Set when the teacher sends every student screen the support message.
    support_shown: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Once shown, every student page keeps a "Need help?" link for the rest of the run.
    support_offered: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The class k when the run started: a school lowering k later changes no running lesson.
    min_answers: Mapped[int | None]
    # Devices that joined in this session, and how many may (class size + 2; None: no limit).
    joined: Mapped[int] = mapped_column(default=0, server_default="0")
    join_limit: Mapped[int | None]
    # The students of the class for this lesson, as the teacher confirmed it at the start
    # (None only for lessons started before every lesson had a size).
    class_size: Mapped[int | None]
    # How the class answers; see vocabulary.ANSWER_MODES and polls.tally_views.
    answer_mode: Mapped[str] = mapped_column(
        String(10), default="devices", server_default="devices"
    )
    # Set while a shared device is the booth; a booth's session holds it (see booth_views).
    booth_key: Mapped[str | None] = mapped_column(String(32))
    # The booth round open now: "<nonce>:<phase key>" while every ready question of that
    # phase is open at the booth at once; None otherwise (see services.open_booth_round).
    booth_round: Mapped[str | None] = mapped_column(String(60))
    # Turns completed at the booth in the latest round (reset when a round opens).
    booth_turns: Mapped[int] = mapped_column(default=0, server_default="0")
    # Some results were counted by hand (paper slips or hands), as every export says.
    counted_by_hand: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    ended_at: Mapped[datetime | None]
    # A lesson left running ends by itself at this moment (a paused one too, later).
    expires_at: Mapped[datetime | None]
    # Set while the lesson waits for its next session: no joins, no answers.
    paused_at: Mapped[datetime | None]
    # The session the lesson is in: each resume starts the next, with its own count of
    # phones (`joined`); a phone's cookie says in which session it was last counted.
    session_number: Mapped[int] = mapped_column(default=1, server_default="1")
    # The day of the next session, as the teacher gave it at the pause.
    next_session_on: Mapped[date | None]
    # Set when the raw answers were deleted after the retention period.
    purged_at: Mapped[datetime | None]
    # A silent countdown the teacher started for one step of the flow (see polls.countdown).
    countdown_ends_at: Mapped[datetime | None]
    countdown_step: Mapped[str | None] = mapped_column(String(60))

    school: Mapped[School] = relationship()
    school_class: Mapped[SchoolClass] = relationship()
    teacher: Mapped[User] = relationship()
    assignment: Mapped[Assignment | None] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="run", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def is_ended(self) -> bool:
        """Whether the run ended, by the teacher or by its time limit (paused is not ended)."""
        return self.end_time is not None

    @property
    def end_time(self) -> datetime | None:
        """When the run ended, by the teacher or by its time limit; None while open."""
        if self.ended_at is not None:
            return as_utc(self.ended_at)
        return as_utc(self.expires_at) if self.is_expired else None

    def touch(self) -> None:
        """Mark a change that waiting screens must pick up (incremented in SQL, never lost).

        The one place a run's version moves: the flush that writes it also tells the
        state polls of every worker and instance (`classroom.state_cache`).
        """
        if inspect(self).persistent:
            # Read-increment-write in Python loses one of two concurrent changes.
            self.version = Run.version + 1
        else:
            self.version = (self.version or 1) + 1


class QuestionWording:
    """What a question says, in a language; shared by `Question` and `AnswerableQuestion`.

    A subclass has `type`, `status`, `answered_by`, `content` (the wording per language),
    `run_language` and `run_answer_mode`.
    """

    def takes_answers_from(self, path: str) -> bool:
        """Whether the question is open for answers in this way ("devices" or "booth") now."""
        return self.status == "open" and self.answered_by == path and self.run_answer_mode == path

    def text(self, language: str) -> dict[str, Any]:
        """Return the question's wording in the language, or in the run's language."""
        return self.content.get(language) or self.content[self.run_language]

    @property
    def kind(self) -> QuestionType:
        """The question's kind, which knows its forms, checks, figures and templates."""
        return question_type(self.type)

    @property
    def option_count(self) -> int:
        """Number of answer options (the points of a scale count as options)."""
        return self.kind.option_count(self.text(self.run_language))


class Question(QuestionWording, db.Model):
    """A poll of a run, copied from the module so results outlive module edits."""

    __table_args__ = (
        UniqueConstraint("run_id", "position"),
        UniqueConstraint("run_id", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"))
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(40))
    phase: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(10))
    # Per language: {"question", "options", "scale", "discuss"}; see polls.services.
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    compare_to: Mapped[str | None] = mapped_column(String(40))
    correct: Mapped[int | None]
    # ready -> open -> closed; or skipped by the teacher (vocabulary.QUESTION_STATUSES).
    status: Mapped[str] = mapped_column(String(10), default="ready")
    revealed: Mapped[bool] = mapped_column(default=False)
    added_by_teacher: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Feeling at home, safe, excluded: a count of 1 or 2 is never shown.
    sensitive: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Answers typed in from a tally: "hand" (paper slips) or "hands" (hands up, not anonymous);
    # see vocabulary.COUNTED_BY.
    counted_by: Mapped[str | None] = mapped_column(String(10))
    # The way of answering it was opened for ("devices" or "booth"); a question's answers
    # all come in one way, so no path can pad another's (see `services.open_question`).
    answered_by: Mapped[str | None] = mapped_column(String(10))

    run: Mapped[Run] = relationship(back_populates="questions")

    @property
    def run_language(self) -> str:
        """The language the run was started in."""
        return self.run.language

    @property
    def run_answer_mode(self) -> str:
        """How the class of the run answers now."""
        return self.run.answer_mode

    @property
    def is_shown_to_class(self) -> bool:
        """Whether the question belongs in the lesson (it was not skipped)."""
        return self.status != "skipped"


@dataclass(frozen=True)
class AnswerableQuestion(QuestionWording):
    """What an answer needs of its question and run (`services.answerable_question`).

    Storing a student's answer is the busiest write of a lesson; loading the
    question and its run as ORM objects cost more than the write itself.
    """

    id: int
    run_id: int
    type: str
    status: str
    answered_by: str | None
    content: dict[str, Any]
    run_language: str
    run_answer_mode: str
    join_code: str
    run_session_number: int = 1


@dataclass(frozen=True)
class LiveRun(RunState):
    """What a phone's pages need of a run and its open question (`services.live_run`).

    Read in one statement without the ORM: every phone loads these pages, and
    loading the run and its question as objects cost more than the page itself.
    """

    id: int
    join_code: str
    version: int
    language: str
    titles: dict[str, str]
    support_offered: bool
    support_shown: bool
    ended_at: datetime | None
    paused_at: datetime | None
    expires_at: datetime | None
    question: AnswerableQuestion | None  # the open one
    shown_revealed: bool  # the question on the projector has its results revealed
    session_number: int = 1  # phones are counted per session (see polls.sessions)


class Response(db.Model):
    """One anonymous answer to one question.

    No student identity, no address, no time: only a per-question pseudonym that
    stops double counting and cannot link answers to different questions. The key
    is random and the SQLite table has no rowid, so not even arrival order is kept.
    Only `polls.answers` reads or writes this table.
    """

    __table_args__ = (
        UniqueConstraint("question_id", "pseudonym"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    pseudonym: Mapped[str] = mapped_column(String(64))
    # single: option index; multiple: bit mask of option indexes; scale: 1-5;
    # ranking: option indexes packed by place (questions.RANK_BITS each); estimate: the number.
    value: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(String(280))
    # Open answers only: pending until the teacher approves or hides them
    # (vocabulary.MODERATION_STATUSES).
    moderation: Mapped[str | None] = mapped_column(String(10))
    # Open answers only: the word list found a slur or threat in it.
    flagged: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The value this answer had in the question's last release (None: not in it). An answer
    # counts towards the next release only while its value differs (see `answers.releases`).
    released_value: Mapped[int | None]
    # Open answers only: the batch in which it reached the teacher (None: not yet).
    batch: Mapped[int | None]
    # Open answers only: replaced by a newer text of its writer, and no longer linked to it
    # (random pseudonym); it leaves the views with the next batch.
    retracted: Mapped[bool] = mapped_column(default=False, server_default=false())


class ResultRelease(db.Model):
    """The frozen results of a question: what every view and export shows.

    A release is made when the teacher asks for results, and again only once at
    least k answers were added or changed since the last one. `results` holds
    suppressed figures (and approved texts); None keeps only the number of
    answers, for a question whose raw answers were purged before any release.
    Only `polls.answers` uses this table.
    """

    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(default=1)
    total: Mapped[int]
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SchoolRelease(db.Model):
    """The frozen school-wide figures of one module; see `polls.answers.school`."""

    school_id: Mapped[int] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    module_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    number: Mapped[int] = mapped_column(default=1)
    # Per question key: the runs it counts, its totals and its figures.
    questions: Mapped[dict[str, Any]] = mapped_column(JSON)


class SavedQuestion(db.Model):
    """A teacher's own question, kept for their next classes; the teacher's alone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    type: Mapped[str] = mapped_column(String(10))
    # The wording as a run stores it (`OwnQuestionForm.content`).
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    correct: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    @property
    def question(self) -> str:
        """The question as the teacher wrote it."""
        return self.content["question"]

    @property
    def kind(self) -> QuestionType:
        """The saved question's kind."""
        return question_type(self.type)
