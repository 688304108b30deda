"""A staff session: starting and ending one, who a session id stands for, when it times out.

Flask-Login's user loader and the idle time-out hook (`accounts.views`) decide
with these functions, and so does the projector's state poll in front of Flask
(`classroom.fastpath`), so that both paths admit exactly the same sessions.
"""

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import session
from flask_login import login_user, logout_user

if TYPE_CHECKING:
    from .models import User

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


def start_session(user: "User") -> None:
    """Log in on a fresh session, so nothing from before the login carries over."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    login_user(user)
    session["login_at"] = session["seen_at"] = int(time.time())


def end_session() -> None:
    """Log out and forget everything in this browser's session but the language."""
    language = session.get("language")
    logout_user()
    session.clear()
    if language:
        session["language"] = language
