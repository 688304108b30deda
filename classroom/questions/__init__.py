"""The kinds of question, one class each; the rest of the code asks a question's kind.

`question_type("scale")` (or `question.kind` on a run's question, a lesson's poll or
a saved question) returns the one `QuestionType` of that name. Each kind's pages
are the macros of its template (`QuestionType.template`: phone, projector, results,
tally, slip). This package sits below the features: it imports the vocabulary,
WTForms (with `classroom.fields`) and Flask-Babel, never the database or a feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..vocabulary import QUESTION_TYPES
from .base import QuestionType, TallyError
from .choice import LETTERS, MultipleChoice, SingleChoice, option_letter
from .estimate import ESTIMATE_BINS, Estimate
from .ranking import MAX_RANKED, RANK_BITS, Ranking, decode_ranking, encode_ranking
from .scale import SCALE_POINTS, Scale
from .text import Text

if TYPE_CHECKING:
    from flask import Flask

# Every kind, in the vocabulary's order.
ALL_TYPES: tuple[QuestionType, ...] = (
    SingleChoice(),
    MultipleChoice(),
    Scale(),
    Text(),
    Ranking(),
    Estimate(),
)
_BY_NAME = {kind.name: kind for kind in ALL_TYPES}
if tuple(_BY_NAME) != QUESTION_TYPES:  # pragma: no cover - a kind added to one list only
    raise RuntimeError("classroom.questions and vocabulary.QUESTION_TYPES differ")


def question_type(name: str) -> QuestionType:
    """The kind of question of this name; KeyError for a name that is none."""
    return _BY_NAME[name]


def find_type(name: object) -> QuestionType | None:
    """The kind of question of this name, or None (for lesson files and drafts being checked)."""
    return _BY_NAME.get(name) if isinstance(name, str) else None


def init_app(app: Flask) -> None:
    """Offer templates `find_question_type(name)` (None for no kind) and `option_letter`."""
    app.add_template_global(find_type, "find_question_type")
    app.add_template_global(option_letter, "option_letter")


__all__ = [
    "ALL_TYPES",
    "ESTIMATE_BINS",
    "LETTERS",
    "MAX_RANKED",
    "RANK_BITS",
    "SCALE_POINTS",
    "QuestionType",
    "TallyError",
    "decode_ranking",
    "encode_ranking",
    "find_type",
    "init_app",
    "option_letter",
    "question_type",
]
