"""School coordination: classes, teachers, assignments, settings and the school's overview."""

# settings_views adds the settings routes to bp; account_audit logs password resets.
from . import account_audit, settings_views  # noqa: F401
from .views import bp

__all__ = ["bp"]
