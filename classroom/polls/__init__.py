"""Lesson runs: starting them, stepping through polls, and their anonymous results."""

# These connect the receivers of accounts' and coordination's signals.
from . import (  # noqa: F401  # noqa: F401  (the routes of the blueprint)
    assignment_links,
    booth_control_views,
    companion_views,
    countdown_views,
    deactivation,
    discussion_views,
    session_views,
    tally_views,
    views,
)
from .blueprint import bp

__all__ = ["bp"]
