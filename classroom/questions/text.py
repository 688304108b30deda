"""Open questions: a short written answer, moderated by the teacher before anyone sees it."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from .base import QuestionType, Stored, TallyError, Wording, no_control_characters

# What the demo school's students write.
DEMO_WORDS = ["respect", "luisteren", "samen", "eerlijk"]


class Text(QuestionType):
    """A short open answer: batched, moderated and shown as approved texts, never counted."""

    name = "text"
    label = _l("Short open answer")
    template = "questions/text.html"
    is_text = True
    hands_up = False
    own_tally_page = _l(
        "Open answers are typed one per line and go to moderation: type them on its own page."
    )

    def answer_fields(self, wording: Wording, text_limit: int) -> dict[str, Any]:
        """A text box of at most `text_limit` characters."""
        too_long = _l("Your answer is too long (at most %(max)d characters).")
        return {
            "answer": TextAreaField(
                wording["question"],
                validators=[
                    DataRequired(_l("Write an answer first.")),
                    Length(max=text_limit, message=too_long),
                ],
                render_kw={"maxlength": text_limit, "rows": 3},
            )
        }

    def form_value(self, form) -> Stored:
        """The text as written (stored stripped)."""
        return None, str(form.answer.data)

    def accepts(
        self, value: int | None, text: str | None, wording: Wording, text_limit: int
    ) -> bool:
        """A text with something in it, not too long, and no number."""
        return bool(text and text.strip()) and len(text) <= text_limit and value is None

    def accepts_value(self, value: int, wording: Wording) -> bool:
        """Never a number."""
        return False

    def example_answer(self, chance: random.Random, wording: Wording) -> Stored:
        """One of a few words."""
        return None, chance.choice(DEMO_WORDS)

    def figures(
        self,
        values: Iterable[tuple[int, int]],
        total: int,
        wording: Wording,
        *,
        correct: int | None = None,
        counted_by: str | None = None,
    ) -> dict[str, Any]:
        """No counts: a text release holds the approved texts (`answers.releases`)."""
        return {"counts": []}

    def tally_fields(self, wording: Wording) -> dict[str, Any]:
        """One box for every answer on the slips, one per line."""
        return {
            "texts_text": TextAreaField(
                _l("The answers on the slips, one per line"),
                validators=[DataRequired(), Length(max=20000), no_control_characters],
            )
        }

    def tally_data(self, form) -> dict[str, Any]:
        """The answers, one per line."""
        lines = (form.texts_text.data or "").splitlines()
        return {"texts": [line.strip() for line in lines if line.strip()]}

    def slip_values(
        self, slips: int, data: dict[str, Any], wording: Wording, text_limit: int
    ) -> list[Stored]:
        """Each line as an answer: no more than slips, none too long."""
        texts = [text.strip() for text in data.get("texts") or [] if text.strip()]
        if len(texts) > slips:
            raise TallyError("more_than_slips")
        if any(len(text) > text_limit for text in texts):
            raise TallyError("too_long")
        return [(None, text) for text in texts]
