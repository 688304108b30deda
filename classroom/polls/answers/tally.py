"""Answers counted by hand: paper slips or raised hands, typed in by the teacher.

Every slip (or hand) becomes one answer row with its own random device token,
through `store_answer`, so releases, k, comparisons and school figures work
unchanged and k counts slips. A tally is checked as a whole before anything is
stored: a bad count stores nothing. How a tally becomes one answer per slip is the
question kind's rule (`QuestionType.slip_values`).
"""

from __future__ import annotations

import secrets

from flask import current_app

from ...questions import TallyError
from ...vocabulary import COUNTED_BY, TALLY_MODES
from ..models import Question
from .storing import InvalidAnswer, count_answers, store_answer

MAX_SLIPS = 60


def max_slips(question: Question) -> int:
    """The most slips a tally may have: as many as may be in the lesson (its class and two)."""
    return question.run.join_limit or MAX_SLIPS


def tally_allowed(question: Question) -> bool:
    """Tallies are typed in only in a lesson answered on paper or by hands up."""
    return question.run.answer_mode in TALLY_MODES


def hands_allowed(question: Question) -> bool:
    """Hands up is never offered for sensitive polls or open answers (it is not anonymous)."""
    return not question.sensitive and question.kind.hands_up


def store_tally(
    question: Question,
    counted_by: str,
    slips: int,
    counts: list[int] | None = None,
    places: list[list[int]] | None = None,
    numbers: list[int] | None = None,
    texts: list[str] | None = None,
) -> int:
    """Check a tally and store one answer per slip; returns how many were stored.

    The tally is what the kind's tally form holds (`QuestionType.tally_data`):
    single, multiple and scale take `counts` per option (scale: five); ranking
    takes `places[option][place]`; estimate takes `numbers`; open answers take
    `texts`. The caller commits.
    """
    if counted_by not in COUNTED_BY:
        raise TallyError("counted_by")
    if not tally_allowed(question):
        raise TallyError("mode")
    if counted_by == "hands" and not hands_allowed(question):
        raise TallyError("hands")
    if count_answers(question) > 0:
        raise TallyError("answered")
    if not 1 <= slips <= max_slips(question):
        raise TallyError("slips")
    tally = {"counts": counts, "places": places, "numbers": numbers, "texts": texts}
    wording = question.text(question.run.language)
    limit = current_app.config["OPEN_TEXT_MAX_LENGTH"]
    values = question.kind.slip_values(slips, tally, wording, limit)
    if not values:
        raise TallyError("empty")
    for value, text in values:
        try:
            store_answer(question, secrets.token_urlsafe(16), value=value, text=text)
        except InvalidAnswer as error:  # checked above; a failure here is a bug, not input
            raise TallyError("value") from error
    question.counted_by = counted_by
    question.run.counted_by_hand = True
    question.run.touch()
    return len(values)
