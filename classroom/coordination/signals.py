"""Signals about assignments, so that lesson runs (above coordination) can act on them.

An assignment knows nothing of the lessons given for it (STYLE.md 11): a run links to
its assignment, and the polls package answers these signals (`polls.assignment_links`).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with the list of `Assignment`s a page is about to show, so that each gets its
#: `paused_run` (the lesson of it that waits for its next session, or None).
assignments_loaded = _signals.signal(
    "assignments-loaded", doc="Assignments were loaded for a page (sender: the list)."
)

#: Sent with the `Assignment` before it is deleted: the lessons given for it stay, unlinked.
assignment_deleted = _signals.signal(
    "assignment-deleted", doc="An assignment is about to be deleted (sender: the Assignment)."
)
