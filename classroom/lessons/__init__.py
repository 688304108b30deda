"""Lesson modules: reading, checking and showing them. Knows nothing of runs."""

from .views import bp

__all__ = ["bp"]
