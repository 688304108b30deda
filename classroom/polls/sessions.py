"""A lesson over several sessions: where it breaks, what the next session opens with.

A module marks a phase with `session_ends`; the flow then puts a recap step after it
(see `flow.steps`). Each resume starts the next session with its own count of phones.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from . import flow, services
from .models import Question, Run

if TYPE_CHECKING:
    from ..accounts.models import User

# The recap shows at most this many results, side by side: it must fit the wall.
RECAP_MOST = 2
# A follow-up session some weeks later asks the compared polls again. Its phase key and
# its polls' keys have an underscore, which no module's key may have: they never clash.
FOLLOW_UP = "follow_up"
FOLLOW_UP_MINUTES = 15


def recap_questions(run: Run, phase_key: str) -> list[Question]:
    """What the class saw of the session that ended with `phase_key`, for the recap step.

    Only results the class was shown (revealed); questions that a later one compares to
    come first, since the next session asks them again.
    """
    keys = [phase["key"] for phase in run.phases.get(run.language, [])] if run.phases else []
    earlier = set(keys[: keys.index(phase_key) + 1]) if phase_key in keys else {phase_key}
    shown = [q for q in run.questions if q.phase in earlier and q.revealed]
    asked_again = {q.compare_to for q in run.questions if q.compare_to}
    shown.sort(key=lambda q: (q.key not in asked_again, q.position))
    return shown[:RECAP_MOST]


def latest_next_session(paused_on: date, run: Run | None = None) -> date:
    """The last day a paused lesson can go on: after that it ends by itself.

    A lesson with a follow-up session ahead waits until some days after its day.
    """
    days = timedelta(days=current_app.config["RUN_PAUSED_MAX_DAYS"])
    later = follow_up_on(run) if run is not None and follow_up_ahead(run) else None
    return max(paused_on, later or paused_on) + days


def follow_up_on(run: Run) -> date | None:
    """The day of the lesson's follow-up session, if it has one."""
    for phase in (run.phases or {}).get(run.language, []):
        if phase["key"] == FOLLOW_UP and phase.get("on"):
            return date.fromisoformat(phase["on"])
    return None


def follow_up_ahead(run: Run) -> bool:
    """Whether the follow-up session is still to come (the projector has not reached it)."""
    if follow_up_on(run) is None:
        return False
    keys = [step.key for step in flow.steps(run)]
    return keys.index(f"phase:{FOLLOW_UP}") > flow.current_index(run)


def later_key(key: str) -> str:
    """The key of a poll asked again in the follow-up session."""
    return f"{key[:34]}_later"


def add_follow_up(run: Run, on: date) -> bool:
    """Give a lesson that has not ended a follow-up session on a later day; or move its day.

    The follow-up asks again, as new questions, each poll that a later poll of the
    module compares to (the "before" polls), each compared to its original, so the
    before, after and some weeks later can be set side by side. Returns whether the
    lesson changed (an ended lesson, or one without compared polls, does not).
    """
    if run.is_ended or not run.phases:
        return False
    if follow_up_on(run) is not None:
        run.phases = {
            lang: [{**p, "on": on.isoformat()} if p["key"] == FOLLOW_UP else p for p in phases]
            for lang, phases in run.phases.items()
        }
        _keep_paused_until_follow_up(run)
        return True
    compared = {q.compare_to for q in run.questions if q.compare_to}
    asked_again = [
        q for q in sorted(run.questions, key=lambda q: q.position)
        if q.key in compared and not q.added_by_teacher
    ]  # fmt: skip
    if not asked_again:
        return False
    run.phases = {lang: _with_follow_up(phases, lang, on) for lang, phases in run.phases.items()}
    position = max(q.position for q in run.questions) + 1
    for offset, question in enumerate(asked_again):
        run.questions.append(
            Question(
                position=position + offset,
                key=later_key(question.key),
                phase=FOLLOW_UP,
                type=question.type,
                compare_to=question.key,
                correct=question.correct,
                sensitive=question.sensitive,
                content=deepcopy(question.content),
            )
        )
    _keep_paused_until_follow_up(run)
    return True


def _with_follow_up(phases: list[dict], language: str, on: date) -> list[dict]:
    with force_locale(language):
        title = _("Follow-up, some weeks later")
    last = {**phases[-1], "session_ends": True}
    follow_up = {
        "key": FOLLOW_UP,
        "title": title,
        "minutes": FOLLOW_UP_MINUTES,
        "projector": None,
        "session_ends": False,
        "on": on.isoformat(),
    }
    return [*phases[:-1], last, follow_up]


def pause(run: Run, next_session_on: date | None = None) -> None:
    """Pause the run until its next session; one with a follow-up ahead waits for it."""
    services.pause_run(run, next_session_on)
    _keep_paused_until_follow_up(run)


def _keep_paused_until_follow_up(run: Run) -> None:
    if run.is_paused and run.paused_at is not None:
        paused_on = run.paused_at.date()
        days = (latest_next_session(paused_on, run) - paused_on).days
        run.expires_at = max(run.expires_at, run.paused_at + timedelta(days=days))


def resume(run: Run) -> None:
    """Go on with a paused run as its next session.

    Phones are counted anew (the limit holds per session; a phone of an earlier session
    is counted again once, see `student.tokens`), and a session that the module breaks
    off opens with its recap.
    """
    services.resume_run(run)
    run.session_number = (run.session_number or 1) + 1
    run.joined = 0
    run.next_session_on = None
    if flow.at_session_end(run):
        flow.move(run, 1)


def paused_runs(teacher: User, slug: str, class_id: int | None = None) -> list[Run]:
    """The teacher's lessons of a module that wait for their next session, newest first."""
    query = db.select(Run).where(
        Run.teacher_id == teacher.id,
        Run.module_slug == slug,
        Run.paused_at.is_not(None),
        Run.ended_at.is_(None),
    )
    if class_id is not None:
        query = query.where(Run.class_id == class_id)
    return [run for run in db.session.scalars(query.order_by(Run.id.desc())) if run.is_paused]
