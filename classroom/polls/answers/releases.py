"""Releases: the frozen results that every view and export shows.

While a poll is open, teacher and class see how many answered, nothing of what.
Results exist only as releases, made when the teacher asks for them: the first
once k answered, each later one only once at least k answers were added or
changed since the one before, compared by value: an answer changed and changed
back is no change. So any two moments show identical results, or results that
differ by at least k answers. Open answers reach the teacher in
batches of at least k (see `storing`); a text release shows the approved ones.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, or_

from ...extensions import db
from .. import words
from ..models import Question, Response, ResultRelease, Run
from .figures import Results, results_from, tally
from .storing import min_answers


def release(question: Question) -> bool:
    """Release the question's results when the rule allows; True if something new was released."""
    if question.run.purged_at is not None:
        return False
    current = db.session.get(ResultRelease, question.id)
    if question.kind.is_text:
        made = _text_figures(question, current)
    else:
        made = _choice_figures(question, current)
    if made is None:
        return False
    total, figures = made
    if current is None:
        db.session.add(
            ResultRelease(question_id=question.id, number=1, total=total, results=figures)
        )
    else:
        current.number += 1
        current.total, current.results = total, figures
    db.session.execute(
        db.update(Response)
        .where(Response.question_id == question.id)
        .values(released_value=Response.value)
    )
    return True


# An answer that is not in the last release, or is there with another value: what a
# new release would change. A→B→A is no change, A→B is one, a new answer is one.
CHANGED = or_(Response.released_value.is_(None), Response.released_value != Response.value)


def _choice_figures(question: Question, current: ResultRelease | None):
    total, changed = db.session.execute(
        db.select(func.count(), func.count().filter(CHANGED)).where(
            Response.question_id == question.id
        )
    ).one()
    needed = min_answers(question.run)
    first = current is None or current.results is None
    if (total if first else changed) < needed:
        return None
    values = db.session.execute(
        db.select(Response.value, func.count())
        .where(Response.question_id == question.id)
        .group_by(Response.value)
    ).all()
    return total, tally(question, values, total)


def _text_figures(question: Question, current: ResultRelease | None):
    rows = db.session.execute(
        db.select(Response.text, Response.moderation).where(
            Response.question_id == question.id, Response.batch.is_not(None)
        )
    ).all()
    if not rows:
        return None
    texts = sorted(text for text, moderation in rows if moderation == "approved")
    released = current.results if current is not None else None
    if released is not None and sorted(released.get("texts", [])) == texts:
        return None
    return len(rows), {"texts": texts}


def pending_changes_of_run(run: Run) -> dict[int, int]:
    """Per question: answers added or changed since its last release (a new one needs k)."""
    return dict(
        db.session.execute(
            db.select(Response.question_id, func.count())
            .join(Question, Question.id == Response.question_id)
            .where(Question.run_id == run.id, CHANGED)
            .group_by(Response.question_id)
        ).all()
    )


def results(question: Question, language: str) -> Results | None:
    """The question's latest release in the language; None before the first."""
    kept = db.session.get(ResultRelease, question.id)
    if kept is None or kept.results is None:
        return None
    return _shuffled(results_from(question, kept.total, kept.results, language))


def run_results(run: Run, language: str) -> dict[int, Results | None]:
    """The latest release of every question of the run, in one query."""
    kept = {
        release.question_id: release
        for release in db.session.scalars(
            db.select(ResultRelease)
            .join(Question, Question.id == ResultRelease.question_id)
            .where(Question.run_id == run.id)
        )
    }
    found: dict[int, Results | None] = {}
    for question in run.questions:
        release_ = kept.get(question.id)
        if release_ is not None and release_.results is not None:
            found[question.id] = _shuffled(
                results_from(question, release_.total, release_.results, language)
            )
        else:
            found[question.id] = None
    return found


def _shuffled(result: Results) -> Results:
    """Open answers in a new random order on every view, never in order of arrival."""
    if not result.texts:
        return result
    texts = list(result.texts)
    secrets.SystemRandom().shuffle(texts)
    return Results(total=result.total, options=result.options, texts=tuple(texts))


def word_cloud(
    result: Results | None, question: Question | None = None
) -> list[tuple[str, int, int]]:
    """Word counts (word, count, size) of a release's approved answers.

    Only a question that asks for one word splits answers into words (`words.word_counts`);
    without the question the answers are taken to be words.
    """
    if result is None:
        return []
    one_word = question is None or words.asks_for_one_word(
        wording["question"] for wording in question.content.values()
    )
    return words.word_counts(list(result.texts), one_word=one_word)


@dataclass(frozen=True)
class Comparison:
    """Before and after of one pair in a run, from both questions' releases."""

    before: Results
    after: Results
    mean_change: float | None
    # (label, percent before, after, change); None where a side is hidden.
    shares: tuple[tuple[str, int | None, int | None, int | None], ...]
    # Scales only: (at the poles, in between) before and after, as counts.
    poles_before: tuple[int, int] | None = None
    poles_after: tuple[int, int] | None = None


def compare(pre: Question, before: Results | None, after: Results | None) -> Comparison | None:
    """Aggregate comparison of a pre/post pair; None until both sides are released."""
    if before is None or after is None or not before.options:
        return None
    shares = tuple(
        (
            b.label,
            b.percent,
            a.percent,
            None if b.hidden or a.hidden else a.percent - b.percent,
        )
        for b, a in zip(before.options, after.options, strict=True)
    )
    mean_change = None
    if before.mean is not None and after.mean is not None:
        mean_change = after.mean - before.mean
    poles = (None, None)
    if not before.any_hidden and not after.any_hidden:
        poles = (pre.kind.poles(_counts(before)), pre.kind.poles(_counts(after)))
    return Comparison(before, after, mean_change, shares, *poles)


def _counts(result: Results) -> list[int]:
    return [option.count or 0 for option in result.options]
