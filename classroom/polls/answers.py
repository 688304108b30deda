"""The one owner of response rows: storing answers and handing out suppressed results.

Every view, export and command gets answers through this module, so the
anonymity rules (pseudonyms, k-suppression, no order of arrival) live here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from . import words
from .models import RANK_BITS, SCALE_POINTS, Question, Response, Run


class InvalidAnswer(ValueError):
    """An answer that does not fit its question."""


@dataclass(frozen=True)
class OptionResult:
    """How many chose one option (or one point of a scale)."""

    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class Results:
    """The results of one question, only ever built from at least k answers."""

    total: int
    options: list[OptionResult]
    mean: float | None = None
    texts: tuple[str, ...] = ()
    # ranking: (option, average place) from first to last.
    ranks: tuple[tuple[str, float], ...] = ()
    # estimate: the middle answer, and the real figure from the module.
    median: float | None = None
    answer: float | None = None
    # questions with a right answer: the share that chose it.
    correct_percent: int | None = None


def min_answers(run: Run) -> int:
    """The k of a run: its school's setting, never below the configured floor."""
    return max(run.school.min_answers, current_app.config["MIN_ANSWERS_FLOOR"])


def pseudonym(question: Question, device_token: str) -> str:
    """Keyed hash of run, question and device: stops double counting, links nothing.

    Answers of one device to two questions get unrelated pseudonyms, and without
    the server key a pseudonym cannot be traced back to a device token.
    """
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"response-pseudonym", hashlib.sha256
    ).digest()
    message = f"{question.run_id}:{question.id}:{device_token}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def validate_answer(question: Question, value: int | None, text: str | None) -> None:
    """Raise InvalidAnswer when the value or text does not fit the question type."""
    if question.type == "text":
        limit = current_app.config["OPEN_TEXT_MAX_LENGTH"]
        if not text or not text.strip() or len(text) > limit or value is not None:
            raise InvalidAnswer(question.type)
        return
    if text is not None or value is None:
        raise InvalidAnswer(question.type)
    if question.type == "single" and not 0 <= value < question.option_count:
        raise InvalidAnswer(question.type)
    if question.type == "multiple" and not 0 < value < (1 << question.option_count):
        raise InvalidAnswer(question.type)
    if question.type == "scale" and not 1 <= value <= SCALE_POINTS:
        raise InvalidAnswer(question.type)
    if question.type == "ranking" and decode_ranking(value, question.option_count) is None:
        raise InvalidAnswer(question.type)
    if question.type == "estimate":
        low, high = question.text(question.run.language)["range"]
        if not low <= value <= high:
            raise InvalidAnswer(question.type)


def encode_ranking(order: list[int]) -> int:
    """Pack option indexes, first place first, into one integer."""
    return sum(index << (RANK_BITS * place) for place, index in enumerate(order))


def decode_ranking(value: int, option_count: int) -> list[int] | None:
    """Unpack a ranking; None unless it orders every option exactly once."""
    if value < 0 or value >= 1 << (RANK_BITS * option_count):
        return None
    order = [(value >> (RANK_BITS * place)) & 0b111 for place in range(option_count)]
    return order if sorted(order) == list(range(option_count)) else None


def store_answer(
    question: Question, device_token: str, value: int | None = None, text: str | None = None
) -> None:
    """Store a device's answer, replacing its earlier answer to the same question.

    One atomic upsert on (question, pseudonym): a double or concurrent submit
    replaces and never adds. The caller commits.
    """
    validate_answer(question, value, text)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    is_text = question.type == "text"
    statement = insert(Response).values(
        id=uuid.uuid4(),
        question_id=question.id,
        pseudonym=pseudonym(question, device_token),
        value=value,
        text=text.strip() if text else None,
        # A changed open answer waits for the teacher again.
        moderation="pending" if is_text else None,
        flagged=is_text
        and words.is_flagged(text, words.flag_words(question.run.school.flag_words)),
    )
    statement = statement.on_conflict_do_update(
        index_elements=["question_id", "pseudonym"],
        set_={
            "value": statement.excluded.value,
            "text": statement.excluded.text,
            "moderation": statement.excluded.moderation,
            "flagged": statement.excluded.flagged,
        },
    )
    db.session.execute(statement)


def answer_of(question: Question, device_token: str) -> tuple[int | None, str | None] | None:
    """Return this device's own answer (value, text), so it can see and change it."""
    row = db.session.execute(
        db.select(Response.value, Response.text).where(
            Response.question_id == question.id,
            Response.pseudonym == pseudonym(question, device_token),
        )
    ).first()
    return (row.value, row.text) if row else None


def count_answers(question: Question) -> int:
    """How many devices answered the question."""
    return db.session.scalar(
        db.select(func.count()).select_from(Response).where(Response.question_id == question.id)
    )


def count_answers_per_question(run: Run) -> dict[int, int]:
    """Answer counts for every question of a run, in one query."""
    rows = db.session.execute(
        db.select(Response.question_id, func.count())
        .join(Question, Question.id == Response.question_id)
        .where(Question.run_id == run.id)
        .group_by(Response.question_id)
    )
    return dict(rows.all())


def results(question: Question, language: str) -> Results | None:
    """Return the question's results, or None while fewer than k have answered.

    Open answers appear only once the teacher approved them, in a new random
    order every time, never in order of arrival.
    """
    total = count_answers(question)
    if total < min_answers(question.run):
        return None
    wording = question.text(language)
    if question.type == "text":
        return Results(total=total, options=[], texts=tuple(approved_texts(question)))
    values = db.session.execute(
        db.select(Response.value, func.count())
        .where(Response.question_id == question.id)
        .group_by(Response.value)
    ).all()
    if question.type == "ranking":
        return _ranking_results(wording["options"], values, total)
    if question.type == "estimate":
        return _estimate_results(wording, values, total)
    mean = None
    if question.type == "scale":
        labels = [str(point) for point in range(1, SCALE_POINTS + 1)]
        counts = [0] * SCALE_POINTS
        for value, count in values:
            counts[value - 1] += count
        mean = sum((i + 1) * c for i, c in enumerate(counts)) / total
    else:
        labels = list(wording["options"])
        counts = [0] * len(labels)
        for value, count in values:
            for index in _chosen_indexes(question.type, value, len(labels)):
                counts[index] += count
    options = [
        OptionResult(label, count, round(100 * count / total))
        for label, count in zip(labels, counts, strict=True)
    ]
    correct = options[question.correct].percent if question.correct is not None else None
    return Results(total=total, options=options, mean=mean, correct_percent=correct)


def _ranking_results(labels: list[str], values, total: int) -> Results:
    place_sums = [0] * len(labels)
    first = [0] * len(labels)
    for value, count in values:
        order = decode_ranking(value, len(labels)) or []
        for place, index in enumerate(order):
            place_sums[index] += (place + 1) * count
        if order:
            first[order[0]] += count
    ranks = sorted(
        ((label, place_sums[i] / total) for i, label in enumerate(labels)), key=lambda r: r[1]
    )
    options = [
        OptionResult(label, first[i], round(100 * first[i] / total))
        for i, label in enumerate(labels)
    ]
    return Results(total=total, options=options, ranks=tuple(ranks))


ESTIMATE_BINS = 10


def _estimate_results(wording: dict, values, total: int) -> Results:
    low, high = wording["range"]
    width = (high - low) / ESTIMATE_BINS
    counts = [0] * ESTIMATE_BINS
    every: list[int] = []
    for value, count in values:
        counts[min(int((value - low) / width), ESTIMATE_BINS - 1)] += count
        every += [value] * count
    every.sort()
    middle = len(every) // 2
    median = every[middle] if len(every) % 2 else (every[middle - 1] + every[middle]) / 2
    unit = wording.get("unit") or ""
    options = []
    for i, count in enumerate(counts):
        start = low + i * width
        end = low + (i + 1) * width
        label = f"{start:g}–{end:g}{unit}"
        options.append(OptionResult(label, count, round(100 * count / total)))
    return Results(total=total, options=options, median=median, answer=wording.get("answer"))


def approved_texts(question: Question) -> list[str]:
    """Approved open answers, shuffled anew on every call."""
    found = list(
        db.session.scalars(
            db.select(Response.text).where(
                Response.question_id == question.id, Response.moderation == "approved"
            )
        )
    )
    secrets.SystemRandom().shuffle(found)
    return found


@dataclass(frozen=True)
class QueuedAnswer:
    """An open answer as the teacher sees it while moderating."""

    id: uuid.UUID
    text: str
    moderation: str
    flagged: bool


def moderation_queue(question: Question) -> list[QueuedAnswer] | None:
    """The teacher's view of all open answers (None below k), flagged ones first.

    Ordered by the random key: stable while moderating, unrelated to arrival.
    """
    if count_answers(question) < min_answers(question.run):
        return None
    rows = db.session.execute(
        db.select(Response.id, Response.text, Response.moderation, Response.flagged)
        .where(Response.question_id == question.id)
        .order_by(Response.flagged.desc(), Response.id)
    )
    return [QueuedAnswer(*row) for row in rows]


def moderate(question: Question, response_id: uuid.UUID, decision: str) -> bool:
    """Approve or hide one open answer of the question; False if there is no such answer."""
    if decision not in ("approved", "hidden") or question.type != "text":
        return False
    response = db.session.get(Response, response_id)
    if response is None or response.question_id != question.id:
        return False
    response.moderation = decision
    return True


def word_cloud(question: Question) -> list[tuple[str, int, int]]:
    """Word counts (word, count, size) of the approved answers."""
    return words.word_counts(approved_texts(question))


@dataclass(frozen=True)
class Comparison:
    """Before and after of one pair in a run; built only when both sides reach k."""

    before: Results
    after: Results
    mean_change: float | None
    shares: tuple[tuple[str, int, int, int], ...]
    # Scales only: (at the poles, in between) before and after, as counts.
    poles_before: tuple[int, int] | None = None
    poles_after: tuple[int, int] | None = None


def compare(pre: Question, post: Question, language: str) -> Comparison | None:
    """Aggregate comparison of a pre/post pair; None while either side is below k."""
    before, after = results(pre, language), results(post, language)
    if before is None or after is None or not before.options:
        return None
    shares = tuple(
        (b.label, b.percent, a.percent, a.percent - b.percent)
        for b, a in zip(before.options, after.options, strict=True)
    )
    mean_change = None
    if before.mean is not None and after.mean is not None:
        mean_change = after.mean - before.mean
    poles = None
    if pre.type == "scale":
        poles = tuple(_poles(r) for r in (before, after))
    return Comparison(before, after, mean_change, shares, *(poles or (None, None)))


def _poles(result: Results) -> tuple[int, int]:
    counts = [option.count for option in result.options]
    at_poles = counts[0] + counts[-1]
    return at_poles, sum(counts) - at_poles


def delete_run_answers(run: Run) -> None:
    """Delete every answer of a run (before the run itself is deleted)."""
    question_ids = [q.id for q in run.questions]
    if question_ids:
        db.session.execute(db.delete(Response).where(Response.question_id.in_(question_ids)))


def _chosen_indexes(question_type: str, value: int, option_count: int) -> list[int]:
    if question_type == "multiple":
        return [index for index in range(option_count) if value & (1 << index)]
    return [value]


@dataclass(frozen=True)
class SchoolFigure:
    """One option across the school's classes; count and percent are None when suppressed."""

    label: str
    count: int | None
    percent: int | None


@dataclass(frozen=True)
class SchoolQuestion:
    """A module question aggregated over the school's runs, suppression applied."""

    key: str
    type: str
    question: str
    compare_to: str | None
    runs: int
    total: int
    shown: bool
    options: list[SchoolFigure]
    mean: float | None


@dataclass(frozen=True)
class SchoolComparison:
    """A pre/post pair across the school; figures only when both sides are fully shown."""

    pre: SchoolQuestion
    post: SchoolQuestion
    complete: bool
    mean_change: float | None = None
    share_changes: tuple[tuple[str, int, int], ...] = ()


def school_results(runs: list[Run], k: int, language: str) -> list[SchoolQuestion]:
    """Aggregate the module questions of these runs (one school, one module) by key.

    A run's question counts only once it reached its own k, so comparing two
    moments never reveals a group smaller than a class result. Options below
    the school's k are suppressed, plus one more where one hidden option could
    be worked out by subtraction; the mean is shown only when nothing is hidden.
    Open texts never leave their run.
    """
    questions = [q for run in runs for q in run.questions if q.type != "text"]
    if not questions:
        return []
    rows = db.session.execute(
        db.select(Response.question_id, Response.value, func.count())
        .where(Response.question_id.in_([q.id for q in questions]))
        .group_by(Response.question_id, Response.value)
    ).all()
    per_question: dict[int, dict[int, int]] = {}
    for question_id, value, count in rows:
        per_question.setdefault(question_id, {})[value] = count
    by_key: dict[str, list[Question]] = {}
    for question in questions:
        values = per_question.get(question.id, {})
        if sum(values.values()) >= min_answers(question.run):
            by_key.setdefault(question.key, []).append(question)
    ordered = sorted({q.key: q.position for q in questions}.items(), key=lambda item: item[1])
    return [
        _school_question(key, by_key.get(key, []), per_question, k, language, questions)
        for key, _position in ordered
    ]


def _school_question(key, included, per_question, k, language, all_questions) -> SchoolQuestion:
    sample = included[-1] if included else next(q for q in all_questions if q.key == key)
    wording = sample.text(language)
    if sample.type == "scale":
        low, high = wording["scale"]
        labels = [str(point) for point in range(1, SCALE_POINTS + 1)]
        labels[0], labels[-1] = f"1 · {low}", f"{SCALE_POINTS} · {high}"
    else:
        labels = list(wording["options"])
    counts = [0] * len(labels)
    total = 0
    for question in included:
        for value, count in per_question.get(question.id, {}).items():
            total += count
            if sample.type == "scale":
                counts[value - 1] += count
                continue
            for index in _chosen_indexes(sample.type, value, len(labels)):
                counts[index] += count
    hidden = {i for i, count in enumerate(counts) if 0 < count < k}
    if len(hidden) == 1 and sample.type != "multiple":
        others = [i for i, count in enumerate(counts) if i not in hidden and count > 0]
        if others:
            hidden.add(min(others, key=lambda i: counts[i]))
    shown = total >= k
    options = [
        SchoolFigure(label, None, None)
        if not shown or i in hidden
        else SchoolFigure(label, counts[i], round(100 * counts[i] / total))
        for i, label in enumerate(labels)
    ]
    mean = None
    if shown and not hidden and sample.type == "scale":
        mean = sum((i + 1) * c for i, c in enumerate(counts)) / total
    return SchoolQuestion(
        key=key,
        type=sample.type,
        question=wording["question"],
        compare_to=sample.compare_to,
        runs=len(included),
        total=total,
        shown=shown,
        options=options,
        mean=mean,
    )


def school_comparisons(results: list[SchoolQuestion]) -> list[SchoolComparison]:
    """Pre/post comparisons for every pair; without figures where a side is suppressed."""
    by_key = {result.key: result for result in results}
    comparisons = []
    for post in results:
        pre = by_key.get(post.compare_to or "")
        if pre is None:
            continue
        complete = all(
            side.shown and all(o.count is not None for o in side.options) for side in (pre, post)
        )
        if not complete:
            comparisons.append(SchoolComparison(pre, post, complete=False))
            continue
        mean_change = None
        if post.mean is not None and pre.mean is not None:
            mean_change = post.mean - pre.mean
        changes = tuple(
            (before.label, before.percent, after.percent)
            for before, after in zip(pre.options, post.options, strict=True)
        )
        comparisons.append(SchoolComparison(pre, post, True, mean_change, changes))
    return comparisons
