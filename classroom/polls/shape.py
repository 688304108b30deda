"""Which discussion prompt fits released results: split, (almost) unanimous or one apart."""

from __future__ import annotations

from .answers.figures import Results
from .models import Question

# Share of the answers on one option from which the class counts as (almost) unanimous.
UNANIMOUS_PERCENT = 75


def shape(question: Question, result: Results | None) -> str | None:
    """'alone', 'unanimous' or 'split' from the released figures; None without figures.

    A sensitive poll never gets 'alone': its prompt would point at one student.
    """
    if result is None or not result.total or question.kind.is_text:
        return None
    counts = [option.count for option in result.options if option.count]
    if not counts:
        return None
    top = max(counts)
    if top == result.total - 1 and not question.sensitive and not result.any_hidden:
        return "alone"
    if top * 100 >= UNANIMOUS_PERCENT * result.total:
        return "unanimous"
    return "split"
