"""Access checks for staff views."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from ..extensions import login_manager
from .models import SCHOOL_ROLES


def require_role(*roles: str) -> Any:
    """Send anonymous visitors to the login page and other roles away with 403.

    Without roles, any member of a school's staff may enter (not a programme lead or
    an operator, who belong to no school). Returns the response to send, or None when
    the current user may enter. Used by blueprint guards so that no route of a
    blueprint can miss the check.
    """
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in (roles or SCHOOL_ROLES):
        abort(403)
    if current_user.role in SCHOOL_ROLES and current_user.school_id is None:
        abort(403)
    return None


def role_required(*roles: str) -> Callable:
    """Decorate a view so that only logged-in staff with one of the roles may call it."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return require_role(*roles) or view(*args, **kwargs)

        return wrapped

    return decorator
