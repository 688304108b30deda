"""What the projector shows beside the step itself: the join strip or lobby, phase texts."""

from __future__ import annotations

from flask import url_for
from markupsafe import Markup

from ..lessons.content import render_markdown
from ..lessons.safe_markdown import render_untrusted_markdown
from . import countdown, flow, module_text
from .forms import CountdownForm
from .models import Run
from .shape import shape


def phase_text(run: Run, phase: str | None) -> Markup | None:
    """The phase's projector text as copied at the start, rendered (a teacher's: sanitised)."""
    if phase is None:
        return None
    render = render_markdown if module_text.trusted(run) else render_untrusted_markdown
    for copied in flow.phases(run, run.language):
        if copied["key"] == phase and copied.get("projector"):
            return render(copied["projector"])
    return None


def split_link(url: str, code: str) -> tuple[str, str]:
    """The short link without its scheme, split before the code so the code stays whole."""
    bare = url.split("://", 1)[-1]
    if code and bare.endswith(code):
        return bare[: -len(code)], code
    return bare, ""


def screen(run: Run, results: dict | None = None) -> dict:
    """Template values of the projector and teacher pages beyond the shared view model."""
    step = flow.current_step(run)
    question = step.question
    released = (results or {}).get(question.id) if question is not None else None
    link = url_for("student.join_link", code=run.join_code, _external=True)
    return {
        "short_link": split_link(link, run.join_code),
        "joining": flow.joining(run),
        "countdown_left": countdown.seconds_left(run),
        "countdown_form": CountdownForm(formdata=None),
        "prompt_shape": shape(question, released) if question is not None else None,
        "phase_text": phase_text(run, step.phase) if step.kind == "phase" else None,
    }
