"""Staff accounts: login, logout, roles."""

from .views import bp

__all__ = ["bp"]
