"""School coordination: classes, teachers, assignments, settings and the school's overview."""

from . import settings_views  # noqa: F401  (adds the settings routes to bp)
from .views import bp

__all__ = ["bp"]
