"""Signals about lessons, so that features above polls (programmes) can act on them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with the new `Run` (linked to its assignment and programme) before it is committed.
lesson_started = _signals.signal("lesson-started", doc="A lesson was started (sender: the Run).")
