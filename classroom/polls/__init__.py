"""Lesson runs: starting them, stepping through polls, and their anonymous results."""

from .views import bp

__all__ = ["bp"]
