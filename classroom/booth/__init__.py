"""The booth: one shared device on which the students of a lesson answer one at a time."""

from .views import bp

__all__ = ["bp"]
