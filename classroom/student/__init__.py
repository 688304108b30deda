"""Students: joining a run by code and answering its polls, without an account."""

from .views import bp

__all__ = ["bp"]
