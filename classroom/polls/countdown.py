"""A silent countdown for a poll or a phase: stored on the run so every screen agrees."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..timeutil import as_utc, now_utc
from .models import Run

MINUTES = (1, 2, 3, 5, 10, 15)


def start(run: Run, minutes: int, at: datetime | None = None) -> None:
    """Start (or restart) a countdown for the step the projector shows now."""
    run.countdown_ends_at = (at or now_utc()) + timedelta(minutes=minutes)
    run.countdown_step = run.step_key
    run.touch()


def stop(run: Run) -> None:
    """Take the countdown off the screens."""
    run.countdown_ends_at = None
    run.countdown_step = None
    run.touch()


def seconds_left(run: Run, at: datetime | None = None) -> int | None:
    """Whole seconds left on the countdown of the current step; None when there is none.

    A countdown belongs to the step it was started on: moving on leaves it behind.
    """
    if run.countdown_ends_at is None or run.countdown_step != run.step_key or not run.is_open:
        return None
    left = (as_utc(run.countdown_ends_at) - (at or now_utc())).total_seconds()
    return max(0, int(left + 0.999))
