"""A student's device token per run, kept only in the signed session cookie."""

import secrets
from collections.abc import Mapping

from flask import session

MAX_RUNS_REMEMBERED = 5


def device_token(run_id: int) -> str | None:
    """Return this browser's token for the run, if it joined."""
    return token_of(session, run_id)


def token_of(session_data: Mapping, run_id: int) -> str | None:
    """The token for the run in a session's data (Flask's session or a decoded cookie)."""
    return session_data.get("runs", {}).get(str(run_id))


def join(run_id: int) -> str:
    """Give this browser a random token for the run (kept if it has one)."""
    runs = dict(session.get("runs", {}))
    token = runs.pop(str(run_id), None) or secrets.token_urlsafe(16)
    runs[str(run_id)] = token
    session["runs"] = dict(list(runs.items())[-MAX_RUNS_REMEMBERED:])
    return token


def browser_id() -> str | None:
    """This browser's random id, by which its wrong join codes count for it alone."""
    return session.get("browser")


def remember_browser() -> None:
    """Give this browser a random id in its cookie, if it has none (docs/join-codes.md)."""
    if "browser" not in session:
        session["browser"] = secrets.token_urlsafe(12)


def counted_session(run_id: int) -> int | None:
    """The session of the run in which this browser was last counted in (None: never).

    A browser that joined before sessions were counted was counted in the first.
    """
    if device_token(run_id) is None:
        return None
    return session.get("sessions", {}).get(str(run_id), 1)


def count_in(run_id: int, session_number: int) -> None:
    """Remember that this browser was counted in this session of the run."""
    counted = dict(session.get("sessions", {}))
    counted.pop(str(run_id), None)
    counted[str(run_id)] = session_number
    session["sessions"] = dict(list(counted.items())[-MAX_RUNS_REMEMBERED:])
