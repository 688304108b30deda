"""School coordination: classes, teachers, assignments and the school's overview."""

from .views import bp

__all__ = ["bp"]
