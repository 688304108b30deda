"""Password resets asked for and used land in the school's audit list.

Accounts may not import coordination, so its views send `password_reset_requested`
and `password_reset_used`; the receivers here are connected when the coordination
package is imported, which every app does. The coordinator's own "Send a reset mail"
is logged in its view.
"""

from __future__ import annotations

from ..accounts.models import User
from ..accounts.signals import password_reset_requested, password_reset_used
from .settings import account_label, log_change


@password_reset_requested.connect
def _log_requested(user: User, **_extra) -> None:
    """In the sending view's transaction: the owner asked for a reset link."""
    if user.school is not None:  # a programme lead or an operator has no school list
        log_change(user.school, user, "password_reset_sent", None, account_label(user))


@password_reset_used.connect
def _log_used(user: User, **_extra) -> None:
    """In the sending view's transaction: a reset link set a new password."""
    if user.school is not None:
        log_change(user.school, user, "password_reset_used", None, account_label(user))
