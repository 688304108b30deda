"""Pages for everyone: the start page, the language switch and the health check."""

from .views import bp

__all__ = ["bp"]
