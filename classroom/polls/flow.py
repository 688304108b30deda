"""The guided flow of a run: ground rules, then each phase with its questions, then the end.

The projector shows one step at a time; `Run.step` is the index into `steps(run)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Question, Run
from .services import close_question, open_question


@dataclass(frozen=True)
class Step:
    """One screen of the projector: kind is 'rules', 'phase', 'question' or 'end'."""

    kind: str
    phase: str | None = None
    question: Question | None = None


def phases(run: Run, language: str) -> list[dict]:
    """The run's phases in the language (or the run's), as copied from the module."""
    copied = run.phases or {}
    return copied.get(language) or copied.get(run.language) or []


def steps(run: Run) -> list[Step]:
    """All steps of the run in order; skipped questions are left out."""
    result = [Step("rules")]
    phase_keys = [phase["key"] for phase in phases(run, run.language)]
    asked = [q for q in run.questions if q.is_shown_to_class]
    for key in phase_keys:
        result.append(Step("phase", phase=key))
        result += [Step("question", phase=key, question=q) for q in asked if q.phase == key]
    result += [
        Step("question", phase=q.phase, question=q) for q in asked if q.phase not in phase_keys
    ]
    result.append(Step("end"))
    return result


def current_step(run: Run) -> Step:
    """The step on the projector now."""
    all_steps = steps(run)
    return all_steps[min(max(run.step, 0), len(all_steps) - 1)]


def go_to(run: Run, index: int) -> Step:
    """Move the projector to a step: leaving a question closes it, arriving opens a new one."""
    all_steps = steps(run)
    index = min(max(index, 0), len(all_steps) - 1)
    before = current_step(run)
    if before.question is not None and before.question.status == "open":
        close_question(before.question)
    run.step = index
    arrived = all_steps[index]
    if arrived.question is not None and arrived.question.status == "ready":
        open_question(arrived.question)
    elif arrived.question is not None:
        run.current_position = arrived.question.position
    run.touch()
    return arrived


def sync_to_question(run: Run, question: Question) -> None:
    """Put the flow on a question that the teacher opened or revealed directly."""
    for index, step in enumerate(steps(run)):
        if step.question is question:
            run.step = index
            return


def joining(run: Run) -> bool:
    """Whether students are still joining: the projector is before the first question."""
    if not run.is_open:
        return False
    first = next((i for i, step in enumerate(steps(run)) if step.kind == "question"), None)
    return first is None or run.step < first
