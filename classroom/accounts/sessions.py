"""The rules of a staff session: who a session id stands for, and when it times out.

Flask-Login's user loader and the idle time-out hook (`accounts.views`) decide
with these functions, and so does the projector's state poll in front of Flask
(`classroom.fastpath`), so that both paths admit exactly the same sessions.
"""

from collections.abc import Mapping
from typing import Any

# Flask-Login's key for the id of the logged-in account in the session.
USER_ID_KEY = "_user_id"
# `seen_at` is written again when it is older than this, so an idle session
# ends SESSION_IDLE_MINUTES after the last request, not after the last write.
SEEN_AT_REFRESH_SECONDS = 60


def split_session_id(session_id: str) -> tuple[int, str] | None:
    """The account id and session token of a session id 'id:token', or None."""
    user_id, _sep, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    return int(user_id), token


def admits(active: bool, session_token: str, token: str) -> bool:
    """Whether an account with this state accepts a session carrying this token."""
    return bool(active) and session_token == token


def session_time(session_data: Mapping[str, Any], now: int, config: Mapping[str, Any]) -> str:
    """'expired' after a time-out, 'refresh' when `seen_at` is due to be written, else 'current'.

    Times are whole seconds since the epoch, as the session stores them.
    """
    seen_at = session_data.get("seen_at", 0)
    idle = now - seen_at > config["SESSION_IDLE_MINUTES"] * 60
    too_old = now - session_data.get("login_at", 0) > config["SESSION_ABSOLUTE_HOURS"] * 3600
    if idle or too_old:
        return "expired"
    if now - seen_at > SEEN_AT_REFRESH_SECONDS:
        return "refresh"
    return "current"
