"""The guided flow of a run: ground rules, then each phase with its questions, then the end.

The projector shows one step at a time. `Run.step_key` names that step ("rules",
"phase:<key>", "question:<id>", "recap:<key>", "end"), so skipping or restoring another
question never moves the projector. A phase that ends a session (`session_ends` in the
module) is followed by a recap step: the next session opens with what the class said.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Question, Run
from .services import close_booth_round, close_question, open_booth_round, open_question


@dataclass(frozen=True)
class Step:
    """One screen of the projector: kind is 'rules', 'phase', 'question', 'recap' or 'end'.

    A recap step's phase is the phase whose session it looks back on.
    """

    kind: str
    phase: str | None = None
    question: Question | None = None

    @property
    def key(self) -> str:
        """The identity stored in `Run.step_key`."""
        if self.kind in ("phase", "recap"):
            return f"{self.kind}:{self.phase}"
        if self.kind == "question" and self.question is not None:
            return f"question:{self.question.id}"
        return self.kind


def phases(run: Run, language: str) -> list[dict]:
    """The run's phases in the language (or the run's), as copied from the module."""
    copied = run.phases or {}
    return copied.get(language) or copied.get(run.language) or []


def steps(run: Run) -> list[Step]:
    """All steps of the run in order; skipped questions are left out."""
    result = [Step("rules")]
    copied = phases(run, run.language)
    phase_keys = [phase["key"] for phase in copied]
    asked = [q for q in run.questions if q.is_shown_to_class]
    for position, phase in enumerate(copied):
        key = phase["key"]
        result.append(Step("phase", phase=key))
        result += [Step("question", phase=key, question=q) for q in asked if q.phase == key]
        if phase.get("session_ends") and position < len(copied) - 1:
            result.append(Step("recap", phase=key))
    result += [
        Step("question", phase=q.phase, question=q) for q in asked if q.phase not in phase_keys
    ]
    result.append(Step("end"))
    return result


def current_index(run: Run, all_steps: list[Step] | None = None) -> int:
    """The position of the projector's step among the run's steps now."""
    all_steps = steps(run) if all_steps is None else all_steps
    keys = [step.key for step in all_steps]
    if run.step_key in keys:
        return keys.index(run.step_key)
    # The step left the flow (a question skipped while shown): stay at its phase.
    kind, _sep, ident = (run.step_key or "").partition(":")
    if kind == "question":
        question = next((q for q in run.questions if str(q.id) == ident), None)
        if question is not None and f"phase:{question.phase}" in keys:
            return keys.index(f"phase:{question.phase}")
    return 0


def current_step(run: Run) -> Step:
    """The step on the projector now."""
    all_steps = steps(run)
    return all_steps[current_index(run, all_steps)]


def phase_left(run: Run) -> bool:
    """Whether a phase of the module still lies ahead of the projector (worth a pause)."""
    all_steps = steps(run)
    ahead = all_steps[current_index(run, all_steps) + 1 :]
    return any(step.kind == "phase" for step in ahead)


def at_session_end(run: Run) -> bool:
    """Whether the projector is on the last step of a session: Next would start the next."""
    all_steps = steps(run)
    index = current_index(run, all_steps)
    return index + 1 < len(all_steps) and all_steps[index + 1].kind == "recap"


def go_to(run: Run, index: int) -> Step:
    """Move the projector to a step: leaving a question closes it, arriving opens a new one.

    In a booth lesson a phase's step is its booth round: arriving opens every ready
    question of the phase at once, leaving closes them all.
    """
    all_steps = steps(run)
    index = min(max(index, 0), len(all_steps) - 1)
    before = all_steps[current_index(run, all_steps)]
    arrived = all_steps[index]
    if before.question is not None and before.question.status == "open":
        close_question(before.question)
    if run.booth_round is not None and arrived.key != before.key:
        close_booth_round(run)
    run.step_key = arrived.key
    if arrived.kind == "phase" and arrived.key != before.key:
        open_booth_round(run, arrived.phase)
    if arrived.question is not None and arrived.question.status == "ready":
        open_question(arrived.question)
    elif arrived.question is not None:
        run.current_position = arrived.question.position
    run.touch()
    return arrived


def move(run: Run, offset: int) -> Step:
    """Move the projector `offset` steps forward (or back, when negative)."""
    return go_to(run, current_index(run) + offset)


def sync_to_question(run: Run, question: Question) -> None:
    """Put the flow on a question that the teacher opened or revealed directly."""
    run.step_key = f"question:{question.id}"


def joining(run: Run) -> bool:
    """Whether students are still joining: the projector is before the first question."""
    if not run.is_open:
        return False
    all_steps = steps(run)
    first = next((i for i, step in enumerate(all_steps) if step.kind == "question"), None)
    return first is None or current_index(run, all_steps) < first
