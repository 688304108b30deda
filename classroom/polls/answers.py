"""The one owner of response rows: storing answers and handing out suppressed results.

Every view, export and command gets answers through this module, so the
anonymity rules (pseudonyms, k-suppression, no order of arrival) live here.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import Insert, func
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..timeutil import now_utc
from . import words
from .models import RANK_BITS, SCALE_POINTS, Question, Response, ResultSnapshot, Run


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
    is_text = question.type == "text"
    # Core on the session's connection: the same transaction, without the ORM's
    # per-statement bookkeeping on the busiest write of a lesson.
    connection = db.session.connection()
    connection.execute(
        _upsert_statement(connection.dialect.name),
        {
            "id": uuid.uuid4(),
            "question_id": question.id,
            "pseudonym": pseudonym(question, device_token),
            "value": value,
            "text": text.strip() if text else None,
            # A changed open answer waits for the teacher again.
            "moderation": "pending" if is_text else None,
            "flagged": is_text
            and words.is_flagged(text, words.flag_words(question.run.school.flag_words)),
        },
    )


@functools.cache
def _upsert_statement(dialect: str) -> Insert:
    """The answer upsert of a dialect, built once: building it costs more than running it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Response.__table__)
    return statement.on_conflict_do_update(
        index_elements=["question_id", "pseudonym"],
        set_={
            "value": statement.excluded.value,
            "text": statement.excluded.text,
            "moderation": statement.excluded.moderation,
            "flagged": statement.excluded.flagged,
        },
    )


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
    if question.run.purged_at is not None:
        snapshot = db.session.get(ResultSnapshot, question.id)
        return snapshot.total if snapshot else 0
    return db.session.scalar(
        db.select(func.count()).select_from(Response).where(Response.question_id == question.id)
    )


def count_answers_at(run: Run, position: int) -> int:
    """How many devices answered the run's question at this position, in one query."""
    return db.session.scalar(_COUNT_AT, {"run_id": run.id, "position": position})


# Built once: the projector asks for this count every few seconds.
_COUNT_AT = (
    db.select(func.count())
    .select_from(Response)
    .join(Question, Question.id == Response.question_id)
    .where(Question.run_id == db.bindparam("run_id"), Question.position == db.bindparam("position"))
)


def count_answers_per_question(run: Run) -> dict[int, int]:
    """Answer counts for every question of a run, in one query."""
    if run.purged_at is not None:
        return {q.id: count_answers(q) for q in run.questions}
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
    if question.run.purged_at is not None:
        return _from_snapshot(question)
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


def purge_run(run: Run) -> None:
    """Keep only the suppressed totals of an ended run and delete its raw answers."""
    language = run.language
    for question in run.questions:
        result = results(question, language)
        total = count_answers(question)
        kept = None
        if result is not None and question.type != "text":
            kept = {
                "options": [
                    {"label": o.label, "count": o.count, "percent": o.percent}
                    for o in result.options
                ],
                "mean": result.mean,
                "ranks": [list(rank) for rank in result.ranks],
                "median": result.median,
                "answer": result.answer,
                "correct_percent": result.correct_percent,
            }
        db.session.merge(ResultSnapshot(question_id=question.id, total=total, results=kept))
    delete_run_answers(run)
    run.purged_at = now_utc()


def _from_snapshot(question: Question) -> Results | None:
    snapshot = db.session.get(ResultSnapshot, question.id)
    if snapshot is None or snapshot.total < min_answers(question.run):
        return None
    kept = snapshot.results or {}
    return Results(
        total=snapshot.total,
        options=[
            OptionResult(o["label"], o["count"], o["percent"]) for o in kept.get("options", [])
        ],
        mean=kept.get("mean"),
        ranks=tuple((label, place) for label, place in kept.get("ranks", [])),
        median=kept.get("median"),
        answer=kept.get("answer"),
        correct_percent=kept.get("correct_percent"),
    )


def runs_to_purge(today_utc) -> list[Run]:
    """Ended, not yet purged runs whose school's retention period has passed."""
    from ..accounts.models import School

    candidates = db.session.scalars(
        db.select(Run)
        .join(School, School.id == Run.school_id)
        .where(Run.ended_at.is_not(None), Run.purged_at.is_(None))
    )
    return [
        run
        for run in candidates
        if _utc(run.ended_at) + timedelta(days=run.school.retention_days) <= today_utc
    ]


def _utc(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def delete_run_answers(run: Run) -> None:
    """Delete every answer of a run (before the run itself is deleted)."""
    question_ids = [q.id for q in run.questions]
    if question_ids:
        db.session.execute(db.delete(Response).where(Response.question_id.in_(question_ids)))
        if run.purged_at is not None:
            db.session.execute(
                db.delete(ResultSnapshot).where(ResultSnapshot.question_id.in_(question_ids))
            )


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


SCHOOL_TYPES = ("single", "multiple", "scale")


def school_results(runs: list[Run], k: int, language: str) -> list[SchoolQuestion]:
    """Aggregate the module questions of these runs (one school, one module) by key.

    A run's question counts only once it reached its own k, so comparing two
    moments never reveals a group smaller than a class result. Options below
    the school's k are suppressed, plus one more where one hidden option could
    be worked out by subtraction; the mean is shown only when nothing is hidden.
    Open texts never leave their run.
    """
    questions = [
        q
        for run in runs
        for q in run.questions
        if q.type in SCHOOL_TYPES and not q.added_by_teacher
    ]
    if not questions:
        return []
    per_question = _option_counts(questions)
    by_key: dict[str, list[Question]] = {}
    for question in questions:
        total, _counts = per_question.get(question.id, (0, []))
        if total >= min_answers(question.run):
            by_key.setdefault(question.key, []).append(question)
    ordered = sorted({q.key: q.position for q in questions}.items(), key=lambda item: item[1])
    return [
        _school_question(key, by_key.get(key, []), per_question, k, language, questions)
        for key, _position in ordered
    ]


def _option_counts(questions: list[Question]) -> dict[int, tuple[int, list[int]]]:
    """Per question: (answers, count per option), from raw answers or from snapshots."""
    counts: dict[int, tuple[int, list[int]]] = {}
    live = [q for q in questions if q.run.purged_at is None]
    for question in questions:
        if question.run.purged_at is not None:
            snapshot = db.session.get(ResultSnapshot, question.id)
            if snapshot is not None and snapshot.results is not None:
                option_counts = [o["count"] for o in snapshot.results["options"]]
                counts[question.id] = (snapshot.total, option_counts)
    rows = db.session.execute(
        db.select(Response.question_id, Response.value, func.count())
        .where(Response.question_id.in_([q.id for q in live]))
        .group_by(Response.question_id, Response.value)
    ).all()
    by_id = {q.id: q for q in live}
    for question_id, value, count in rows:
        question = by_id[question_id]
        size = SCALE_POINTS if question.type == "scale" else question.option_count
        total, option_counts = counts.get(question_id, (0, [0] * size))
        indexes = (
            [value - 1] if question.type == "scale" else _chosen_indexes(question.type, value, size)
        )
        for index in indexes:
            option_counts[index] += count
        counts[question_id] = (total + count, option_counts)
    return counts


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
        answered, option_counts = per_question[question.id]
        total += answered
        for index, count in enumerate(option_counts):
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
