"""The school's reports: the class-by-module overview, school results and citizenship."""

from .views import bp

__all__ = ["bp"]
