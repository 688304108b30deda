"""Lesson runs: starting them, stepping through polls, and their anonymous results."""

from . import deactivation  # noqa: F401  (connects the receiver of account_deactivated)
from .views import bp

__all__ = ["bp"]
