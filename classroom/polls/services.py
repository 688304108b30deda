"""Starting runs and moving their questions through ready, open and closed."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask import current_app

from ..catalogue.store import keep_version
from ..extensions import db
from ..timeutil import now_utc
from ..vocabulary import SCREEN_MODES
from . import answers
from .models import AnswerableQuestion, LiveRun, Question, Run, run_is_open

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..coordination.models import SchoolClass
    from ..lessons.content import Module

# Nine digits, quick on a phone's number pad: 10^9 codes. With 1,000 runs open a
# guess hits one in 10^6 tries; the wrong-code limits bound a guesser (docs/join-codes.md).
JOIN_CODE_ALPHABET = "0123456789"
JOIN_CODE_LENGTH = 9
# Codes handed out before the switch to digits: six characters without look-alikes.
LEGACY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LEGACY_CODE_LENGTH = 6
_NOT_CODE = re.compile(r"[\s\-_.]")


def new_join_code() -> str:
    """Return a random join code that no run has used."""
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(db.select(Run.id).where(Run.join_code == code)) is None:
            return code


def normalise_code(text: str) -> str | None:
    """Turn what a student typed into a code, or None if it cannot be one."""
    code = _NOT_CODE.sub("", text or "").upper()
    if len(code) == JOIN_CODE_LENGTH and all(c in JOIN_CODE_ALPHABET for c in code):
        return code
    if len(code) == LEGACY_CODE_LENGTH and all(c in LEGACY_CODE_ALPHABET for c in code):
        return code
    return None


def display_code(code: str) -> str:
    """The code in groups of three, as the projector shows it: '123 456 789'."""
    return " ".join(code[i : i + 3] for i in range(0, len(code), 3))


def presenter_state(version: int, joined: int, count: int, batched: int) -> tuple[str, str]:
    """The version and ETag of the teacher's state poll (the view's and the fast path's).

    A new batch of open answers for the teacher counts as a new version of the page;
    a new answer or a phone that joined changes only the ETag.
    """
    shown = f"{version}.{batched}"
    return shown, f"{shown}-{count}-{joined}"


def find_run_by_code(code: str) -> Run | None:
    """Return the run with this join code, open or ended."""
    return db.session.scalar(_RUN_BY_CODE, {"code": code})


# Built once: every student request looks its run up by code.
_RUN_BY_CODE = db.select(Run).where(Run.join_code == db.bindparam("code"))


def live_run(code: str) -> LiveRun | None:
    """The run of a join code with its open question, as a phone's pages need it; one read."""
    row = db.session.connection().execute(_LIVE_RUN, {"code": code}).first()
    if row is None:
        return None
    question = _answerable_of(row) if row.question_id is not None else None
    if question is not None and not question.takes_answers_from("devices"):
        question = None  # open for the booth, or shown for a tally: not for phones
    return LiveRun(
        id=row.id,
        join_code=row.join_code,
        version=row.version,
        language=row.language,
        titles=row.titles,
        support_offered=row.support_offered,
        support_shown=row.support_shown,
        ended_at=row.ended_at,
        paused_at=row.paused_at,
        expires_at=row.expires_at,
        question=question,
        shown_revealed=bool(row.shown_revealed),
        session_number=row.session_number,
    )


def answerable_question(code: str, question_id: int) -> AnswerableQuestion | None:
    """The question of a run with this join code, if that run is open; one read, no ORM."""
    row = (
        db.session.connection()
        .execute(_ANSWERABLE_QUESTION, {"code": code, "question_id": question_id})
        .first()
    )
    if row is None or not run_is_open(row.ended_at, row.paused_at, row.expires_at):
        return None
    return _answerable_of(row)


def _answerable_of(row) -> AnswerableQuestion:
    """The question of a row of `_LIVE_RUN` or `_ANSWERABLE_QUESTION` (the same labels)."""
    return AnswerableQuestion(
        id=row.question_id,
        run_id=row.id,
        type=row.question_type,
        status=row.question_status,
        answered_by=row.question_answered_by,
        content=row.question_content,
        run_language=row.language,
        run_answer_mode=row.answer_mode,
        join_code=row.join_code,
        run_session_number=row.session_number,
    )


_questions, _runs = Question.__table__.c, Run.__table__.c
_open = Question.__table__.alias("open_question")
_shown = Question.__table__.alias("shown_question")
# Built once, of table columns; the run's open question and the one on the projector
# come along (each by an index: at most one question is open, positions are unique).
_LIVE_RUN = (
    db.select(
        *(_runs.id, _runs.join_code, _runs.version, _runs.language, _runs.titles),
        *(_runs.support_offered, _runs.support_shown, _runs.answer_mode),
        *(_runs.ended_at, _runs.paused_at, _runs.expires_at, _runs.session_number),
        _open.c.id.label("question_id"),
        _open.c.type.label("question_type"),
        _open.c.status.label("question_status"),
        _open.c.answered_by.label("question_answered_by"),
        _open.c.content.label("question_content"),
        _shown.c.revealed.label("shown_revealed"),
    )
    .select_from(
        Run.__table__.outerjoin(
            _open, (_open.c.run_id == _runs.id) & (_open.c.status == "open")
        ).outerjoin(
            _shown, (_shown.c.run_id == _runs.id) & (_shown.c.position == _runs.current_position)
        )
    )
    .where(_runs.join_code == db.bindparam("code"))
    .order_by(_open.c.position)
    .limit(1)
)
# Built once, of table columns: the answer's read is compiled once and loads no objects.
_ANSWERABLE_QUESTION = (
    db.select(
        _questions.id.label("question_id"),
        _questions.type.label("question_type"),
        _questions.status.label("question_status"),
        _questions.answered_by.label("question_answered_by"),
        _questions.content.label("question_content"),
        *(_runs.id, _runs.language, _runs.join_code, _runs.answer_mode),
        *(_runs.ended_at, _runs.paused_at, _runs.expires_at, _runs.session_number),
    )
    .join_from(Question.__table__, Run.__table__)
    .where(_questions.id == db.bindparam("question_id"), _runs.join_code == db.bindparam("code"))
)


def start_run(
    module: Module,
    school_class: SchoolClass,
    teacher: User,
    language: str,
    class_size: int,
    version: str | None = None,
) -> Run:
    """Create a run of the module's version as it is now, its polls copied in every language.

    `class_size` is this lesson's own: it sets who may be in it, and leaves the class alone.
    `version` is the kept version `module` was built from, when an assignment fixes it (a
    programme's); else the module's texts are kept as they are now.
    """
    text = module.text(language)
    started = now_utc()
    run = Run(
        school_id=school_class.school_id,
        class_id=school_class.id,
        teacher_id=teacher.id,
        module_slug=module.slug,
        module_version=version or keep_version(module, school_class.school),
        titles={lang: module.texts[lang].title for lang in module.texts},
        language=text.language,
        join_code=new_join_code(),
        min_answers=school_class.school.min_answers,
        class_size=class_size,
        join_limit=join_limit_for(class_size),
        created_at=started,
        expires_at=started + timedelta(hours=current_app.config["RUN_MAX_HOURS"]),
        phases={
            lang: [
                {
                    "key": p.key,
                    "title": p.title,
                    "minutes": p.minutes,
                    "projector": p.projector,
                    "session_ends": p.session_ends,
                }
                for p in t.phases
            ]
            for lang, t in module.texts.items()
        },
    )
    for position, poll in enumerate(text.polls):
        run.questions.append(
            Question(
                position=position,
                key=poll.key,
                phase=poll.phase,
                type=poll.type,
                compare_to=poll.compare_to,
                correct=poll.correct,
                sensitive=poll.sensitive,
                content={
                    lang: module.texts[lang].polls[position].as_content() for lang in module.texts
                },
            )
        )
    db.session.add(run)
    db.session.flush()
    return run


def join_limit_for(class_size: int) -> int:
    """How many may be in a lesson of a class this size: two spare for a flat battery."""
    return class_size + JOIN_SPARE


JOIN_SPARE = 2


@dataclass(frozen=True)
class WhoIsIn:
    """Who is counted in a lesson, by way of answering, for teacher and class to see.

    Booth and hand counts are the most answers one question got that way: answers to
    two questions cannot be linked, so that is all anyone can know of who took part.
    """

    phones: int
    booth: int
    by_hand: int

    @property
    def others(self) -> bool:
        """Whether anyone answered other than on a phone of their own."""
        return bool(self.booth or self.by_hand)


def who_is_in(run: Run, counts: dict[int, int]) -> WhoIsIn:
    """Phones joined, and the most answers of one question at the booth and counted by hand."""

    def most(questions) -> int:
        return max((counts.get(q.id, 0) for q in questions), default=0)

    booth = [q for q in run.questions if q.answered_by == "booth" and q.counted_by is None]
    by_hand = [q for q in run.questions if q.counted_by is not None]
    # A round's turns count too: a student who left every question but one still took part.
    at_booth = max(most(booth), run.booth_turns or 0)
    return WhoIsIn(phones=run.joined, booth=at_booth, by_hand=most(by_hand))


def admit(run_id: int) -> bool:
    """Count one more phone in this session, unless it is full; atomic across workers."""
    # On the session's connection as Core: the ORM's bulk-update bookkeeping cost more.
    return db.session.connection().execute(_ADMIT, {"run_id": run_id}).rowcount == 1


# Built once: every phone that joins runs it.
_ADMIT = (
    db.update(Run)
    .where(
        Run.id == db.bindparam("run_id"),
        (Run.join_limit.is_(None)) | (Run.joined < Run.join_limit),
    )
    .values(joined=Run.joined + 1)
)


def current_question(run: Run) -> Question | None:
    """Return the question on the projector, if any (one query, not the run's questions)."""
    if run.current_position is None:
        return None
    return db.session.scalar(_QUESTION_AT, {"run_id": run.id, "position": run.current_position})


def open_question_of(run: Run, path: str = "devices") -> Question | None:
    """Return the question students can answer now in this way, if any (one query)."""
    question = db.session.scalar(_OPEN_QUESTION, {"run_id": run.id})
    return question if question is not None and question.takes_answers_from(path) else None


# Built once: each phone's page asks one of these.
_QUESTION_AT = db.select(Question).where(
    Question.run_id == db.bindparam("run_id"), Question.position == db.bindparam("position")
)
_OPEN_QUESTION = (
    db.select(Question)
    .where(Question.run_id == db.bindparam("run_id"), Question.status == "open")
    .order_by(Question.position)
    .limit(1)
)


def next_question(run: Run) -> Question | None:
    """Return the first question after the current one that was never opened."""
    after = -1 if run.current_position is None else run.current_position
    return next((q for q in run.questions if q.position > after and q.status == "ready"), None)


class PathRefused(Exception):
    """A question cannot take answers in the way the class answers now; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The ways of answering in which a question is opened for answers; paper and hands
# are typed in afterwards (`answers.store_tally`), so opening only shows the question.
OPENED_FOR = SCREEN_MODES


def open_question(question: Question) -> None:
    """Open a question, closing any other open one (one at a time).

    A question's answers all come in one way (phones, the booth, or a tally), so that
    no way pads another's: a question counted by hand or answered another way never
    opens for answers again (`PathRefused`).
    """
    check_path(question)
    run = question.run
    run.booth_round = None  # one question opened by hand ends a booth round
    for other in run.questions:
        if other.status == "open" and other is not question:
            close_question(other)
    if run.answer_mode in OPENED_FOR:
        question.answered_by = run.answer_mode
    question.status = "open"
    question.revealed = False
    run.current_position = question.position
    run.touch()


def check_path(question: Question) -> None:
    """Raise `PathRefused` if the question's answers came in another way than the class's now."""
    mode = question.run.answer_mode
    if mode not in OPENED_FOR:
        return
    if question.counted_by is not None:
        raise PathRefused("counted")
    if question.answered_by not in (None, mode) and answers.count_answers(question) > 0:
        raise PathRefused(question.answered_by)


def open_booth_round(run: Run, phase: str) -> bool:
    """Open every ready question of a phase at once for the booth: one turn answers them all.

    Only in a lesson answered at the booth, and only questions whose answers may come
    from the booth (`check_path`). The round's turn counter starts at 0. Return whether
    a round opened.
    """
    if run.answer_mode != "booth" or not run.is_open:
        return False
    usable = [q for q in run.questions if q.phase == phase and q.status == "ready"]
    usable = [q for q in usable if _path_allowed(q)]
    if not usable:
        return False
    for other in run.questions:
        if other.status == "open":
            close_question(other)
    for question in usable:
        question.answered_by = "booth"
        question.status = "open"
        question.revealed = False
    run.booth_round = f"{secrets.token_hex(8)}:{phase}"
    run.booth_turns = 0
    run.touch()
    return True


def _path_allowed(question: Question) -> bool:
    try:
        check_path(question)
    except PathRefused:
        return False
    return True


def booth_round_phase(run: Run) -> str | None:
    """The phase whose booth round is open now, or None."""
    return run.booth_round.partition(":")[2] if run.booth_round else None


def booth_round_questions(run: Run) -> list[Question]:
    """The questions of the open booth round that still take answers from the booth."""
    phase = booth_round_phase(run)
    if phase is None:
        return []
    return [q for q in run.questions if q.phase == phase and q.takes_answers_from("booth")]


def close_booth_round(run: Run) -> None:
    """Close the booth round: every open question of it closes, its turns stay on show."""
    phase = booth_round_phase(run)
    if phase is None:
        return
    for question in run.questions:
        if question.phase == phase and question.status == "open":
            close_question(question)
    run.booth_round = None
    run.touch()


def count_booth_turn(run: Run, turn: str) -> bool:
    """Count one completed turn of the round, if `turn` is the round's next one; atomic.

    A turn id is "<round>:<turns so far>", so it counts once: a double post, or a form
    from an earlier round, finds the counter moved on and changes nothing.
    """
    round_id, _sep, number = turn.rpartition(":")
    if not round_id or not number.isdigit() or len(number) > 6:
        return False
    params = {"run_id": run.id, "round": round_id, "turns": int(number)}
    if db.session.connection().execute(_COUNT_TURN, params).rowcount != 1:
        return False
    run.touch()  # the projector follows the counter
    return True


# Built once: the counter moves only from the turn the form was made for.
_COUNT_TURN = (
    db.update(Run)
    .where(
        Run.id == db.bindparam("run_id"),
        Run.booth_round == db.bindparam("round"),
        Run.booth_turns == db.bindparam("turns"),
    )
    .values(booth_turns=Run.booth_turns + 1)
)


def close_question(question: Question) -> None:
    """Stop accepting answers to a question; its rows lose their order of arrival."""
    if question.status == "open":
        db.session.flush()
        answers.seal(question)
    question.status = "closed"
    question.run.touch()


def release_results(question: Question) -> bool:
    """Release the question's results to the teacher's screen, if the rule allows."""
    made = answers.release(question)
    if made:
        question.run.touch()
    return made


def reveal_question(question: Question) -> bool:
    """Close a question and show its (released) results to the class."""
    close_question(question)
    question.revealed = True
    question.run.current_position = question.position
    return release_results(question)


def end_run(run: Run, at=None) -> None:
    """End a run: its code stops working, its questions close and release what they may.

    `at` is when the run ended (its time limit, for a run that ended by itself).
    """
    for question in run.questions:
        if question.status == "open":
            close_question(question)
        if question.status == "closed":
            answers.release(question)
    run.ended_at = at or now_utc()
    if run.assignment is not None and run.assignment.done_at is None:
        run.assignment.done_at = run.ended_at
    run.touch()


def pause_run(run: Run, next_session_on: date | None = None) -> None:
    """Pause a run until its next session: joins and answers stop, the code is kept.

    An open poll closes first. The run ends by itself `RUN_PAUSED_MAX_DAYS` after
    the pause, unless the teacher resumes it.
    """
    for question in run.questions:
        if question.status == "open":
            close_question(question)
    run.booth_round = None
    run.paused_at = now_utc()
    run.next_session_on = next_session_on
    run.expires_at = run.paused_at + timedelta(days=current_app.config["RUN_PAUSED_MAX_DAYS"])
    run.touch()


def resume_run(run: Run) -> None:
    """Resume a paused run: its code works again and its time limit starts anew."""
    run.paused_at = None
    run.expires_at = now_utc() + timedelta(hours=current_app.config["RUN_MAX_HOURS"])
    run.touch()


def end_expired_runs() -> int:
    """End every run that outlived its time limit, as of that limit; return how many.

    A paused run's limit is `RUN_PAUSED_MAX_DAYS` after its pause (see `pause_run`).
    """
    expired = db.session.scalars(
        db.select(Run).where(Run.ended_at.is_(None), Run.expires_at <= now_utc())
    ).all()
    for run in expired:
        end_run(run, at=run.expires_at)
    return len(expired)


def add_question(
    run: Run, phase: str, kind: str, content: dict, correct: int | None = None
) -> Question:
    """Add a teacher's own question to the run, at the end of the given phase."""
    position = max((q.position for q in run.questions), default=-1) + 1
    own = sum(1 for q in run.questions if q.added_by_teacher) + 1
    question = Question(
        position=position,
        key=f"own-{own}",
        phase=phase,
        type=kind,
        content={run.language: content},
        correct=correct,
        added_by_teacher=True,
    )
    run.questions.append(question)
    run.touch()
    return question


def skip_question(question: Question) -> None:
    """Leave a question out of the lesson (only one that was never opened)."""
    if question.status == "ready":
        question.status = "skipped"
        question.run.touch()


def restore_question(question: Question) -> None:
    """Bring a skipped question back into the lesson."""
    if question.status == "skipped":
        question.status = "ready"
        question.run.touch()
