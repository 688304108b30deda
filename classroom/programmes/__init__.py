"""A municipality's programme across schools: who took part, and what moved."""

from . import (  # noqa: F401
    assignment_labels,
    commands,
    follow_up,
    follow_up_views,
    lead_views,
    models,
    module_views,
    operator_views,
    school_views,
)
from .blueprint import bp

__all__ = ["bp"]
