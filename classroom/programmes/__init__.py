"""A municipality's programme across schools: who took part, and what moved."""

from . import lead_views, models, operator_views, school_views  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
