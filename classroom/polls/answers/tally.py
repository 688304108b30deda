"""Answers counted by hand: paper slips or raised hands, typed in by the teacher.

Every slip (or hand) becomes one answer row with its own random device token,
through `store_answer`, so releases, k, comparisons and school figures work
unchanged and k counts slips. A tally is checked as a whole before anything is
stored: a bad count stores nothing.
"""

from __future__ import annotations

import secrets

from flask import current_app

from ..models import SCALE_POINTS, Question
from .storing import InvalidAnswer, count_answers, encode_ranking, store_answer

MAX_SLIPS = 60
COUNTED_BY = ("hand", "hands")


class TallyError(ValueError):
    """A tally that cannot be stored; `reason` says which rule it broke."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def max_slips(question: Question) -> int:
    """The most slips a tally may have: as many as may be in the lesson (its class and two)."""
    return question.run.join_limit or MAX_SLIPS


def tally_allowed(question: Question) -> bool:
    """Tallies are typed in only in a lesson answered on paper or by hands up."""
    return question.run.answer_mode in ("paper", "hands")


def hands_allowed(question: Question) -> bool:
    """Hands up is never offered for sensitive polls or open answers (it is not anonymous)."""
    return not question.sensitive and question.type != "text"


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

    Single, multiple and scale take `counts` per option (scale: five); ranking
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
    values = _values(question, slips, counts, places, numbers, texts)
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


def _values(question, slips, counts, places, numbers, texts) -> list[tuple[int | None, str | None]]:
    kind = question.type
    if kind in ("single", "scale"):
        counts = _counts(counts, SCALE_POINTS if kind == "scale" else question.option_count)
        if sum(counts) > slips:
            raise TallyError("more_than_slips")
        base = 1 if kind == "scale" else 0
        return [(index + base, None) for index, count in enumerate(counts) for _ in range(count)]
    if kind == "multiple":
        return [(mask, None) for mask in _masks(_counts(counts, question.option_count), slips)]
    if kind == "ranking":
        return [(encode_ranking(order), None) for order in _rankings(question, places, slips)]
    if kind == "estimate":
        low, high = question.text(question.run.language)["range"]
        numbers = list(numbers or [])
        if len(numbers) > slips:
            raise TallyError("more_than_slips")
        if any(not low <= number <= high for number in numbers):
            raise TallyError("range")
        return [(number, None) for number in numbers]
    texts = [text.strip() for text in texts or [] if text.strip()]
    if len(texts) > slips:
        raise TallyError("more_than_slips")
    if any(len(text) > current_app.config["OPEN_TEXT_MAX_LENGTH"] for text in texts):
        raise TallyError("too_long")
    return [(None, text) for text in texts]


def _counts(counts: list[int] | None, size: int) -> list[int]:
    if counts is None or len(counts) != size or any(count < 0 for count in counts):
        raise TallyError("count")
    return list(counts)


def _masks(counts: list[int], slips: int) -> list[int]:
    """Slips with ticked boxes that give exactly these counts per option.

    Every slip ticks at least one box, so the counts must add up to at least
    the slips, and no option can be ticked on more slips than there are.
    """
    if any(count > slips for count in counts):
        raise TallyError("more_than_slips")
    if sum(counts) < slips:
        raise TallyError("too_few_ticks")
    masks = [0] * slips
    ticks = [index for index, count in enumerate(counts) for _ in range(count)]
    for number, index in enumerate(ticks):
        masks[number % slips] |= 1 << index
    return masks


def _rankings(question: Question, places: list[list[int]] | None, slips: int) -> list[list[int]]:
    """Orders, one per slip, that give exactly these counts of each option at each place.

    Every option has a place on every slip and every place an option, so each
    row and each column adds up to the number of slips; such a table always
    splits into that many orders (Birkhoff), found one matching at a time.
    """
    size = question.option_count
    if (
        places is None
        or len(places) != size
        or any(len(row) != size or any(c < 0 for c in row) for row in places)
    ):
        raise TallyError("count")
    if any(sum(row) != slips for row in places) or any(
        sum(row[place] for row in places) != slips for place in range(size)
    ):
        raise TallyError("ranking_sums")
    left = [list(row) for row in places]
    orders = []
    while len(orders) < slips:
        place_of = _matching(left)
        order = [0] * size
        for option, place in enumerate(place_of):
            order[place] = option
        times = min(left[option][place] for option, place in enumerate(place_of))
        for option, place in enumerate(place_of):
            left[option][place] -= times
        orders += [order] * times
    return orders


def _matching(table: list[list[int]]) -> list[int]:
    """A place for every option where the table still has a count (Kuhn's algorithm)."""
    size = len(table)
    option_at: list[int | None] = [None] * size

    def assign(option: int, seen: set[int]) -> bool:
        for place in range(size):
            if table[option][place] > 0 and place not in seen:
                seen.add(place)
                if option_at[place] is None or assign(option_at[place], seen):
                    option_at[place] = option
                    return True
        return False

    for option in range(size):
        if not assign(option, set()):
            raise TallyError("ranking_sums")
    place_of = [0] * size
    for place, option in enumerate(option_at):
        place_of[option] = place
    return place_of
