"""School sign-on with OpenID Connect, per school, next to passwords."""

from .views import bp

__all__ = ["bp"]
