"""Modules written by teachers: stored as lesson files, checked and shown like the library."""

from .views import bp

__all__ = ["bp"]
