"""Error pages: a clear message in the user's language, never a stack trace."""

import contextlib
import math
import sqlite3
import time

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, SecurityError

from .extensions import db, limiter


class QuietFlask(Flask):
    """Flask whose error log names the endpoint, never the path: paths hold join codes."""

    def log_exception(self, exc_info) -> None:
        """Log an unhandled exception with its traceback, without path or form data."""
        self.logger.error(
            "unhandled exception in %s %s", request.method, request.endpoint, exc_info=exc_info
        )


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RateLimitExceeded, _too_many_attempts)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(500, _server_error)
    app.register_error_handler(SQLAlchemyError, _database_unavailable)


# Seconds a phone waits before it sends a refused answer again, or goes back to its lesson.
RETRY_AFTER_SECONDS = 2

# SQLite's primary result codes (the low byte of the extended code) for a database that
# cannot serve now, not a statement that is wrong: BUSY and LOCKED (another writer holds
# it), NOMEM, READONLY (a read-only file or folder), IOERR, FULL (the disk), CANTOPEN and
# PROTOCOL. Everything else (SQLITE_ERROR: no such table or column, a syntax error;
# CONSTRAINT; CORRUPT) is the code's fault or needs a person: a 500.
_SQLITE_UNAVAILABLE = {5, 6, 7, 8, 10, 13, 14, 15}
# PostgreSQL's SQLSTATEs and classes for the same: a connection lost or refused (08),
# too few resources (53: disk full, out of memory, too many connections), a server or
# I/O error (58), a server shutting down, crashed or starting (57P01-3), a statement
# cancelled by a time-out (57014), a standby that takes no writes (25006), and a lock
# not granted in time, a deadlock or a serialization failure (55P03, 40P01, 40001).
_POSTGRES_UNAVAILABLE_CLASSES = ("08", "53", "58")
_POSTGRES_UNAVAILABLE = ("57P01", "57P02", "57P03", "57014", "25006", "55P03", "40P01", "40001")
# PEP 249's names, so a driver's own exception (from a raw connection) is understood too.
_DRIVER_CONNECTION_ERRORS = ("OperationalError", "InterfaceError")


def is_unavailable(error: BaseException) -> bool:
    """Whether a database error means "not now" (try again) rather than "wrong" (a bug).

    Lost or refused connections, a pool with no connection free in time, a full
    disk, an I/O error, a read-only database and a held lock are faults of the
    moment: a 503 with Retry-After, which a phone rides out. A wrong statement or
    a broken constraint is not. Takes SQLAlchemy's wrapped errors and the
    driver's own (sqlite3, psycopg).
    """
    if isinstance(error, PoolTimeoutError | DisconnectionError):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is None:
            return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)
        return (code & 0xFF) in _SQLITE_UNAVAILABLE
    names = {cls.__name__ for cls in type(error).__mro__}
    if not names & {"DatabaseError", "InterfaceError"}:
        return False  # not a driver's error at all
    state = getattr(error, "sqlstate", None)
    if state is None:
        # No answer from a server: it refused the connection, or closed it.
        return bool(names & set(_DRIVER_CONNECTION_ERRORS))
    return state.startswith(_POSTGRES_UNAVAILABLE_CLASSES) or state in _POSTGRES_UNAVAILABLE


# An outage is hundreds of refused requests a second: one log line per process at most
# this often, with the number refused since the last one.
UNAVAILABLE_LOG_SECONDS = 10.0


class _UnavailableLog:
    logged_at = -UNAVAILABLE_LOG_SECONDS
    refused = 0


def log_unavailable(logger, error: BaseException) -> None:
    """Tell the log that the database could not serve: the driver's error class and code,
    never a path (join codes), a statement's values or a form."""
    _UnavailableLog.refused += 1
    now = time.monotonic()
    if now - _UnavailableLog.logged_at < UNAVAILABLE_LOG_SECONDS:
        return
    refused, _UnavailableLog.refused, _UnavailableLog.logged_at = _UnavailableLog.refused, 0, now
    driver = error.orig if isinstance(error, DBAPIError) else error
    code = getattr(driver, "sqlite_errorname", None) or getattr(driver, "sqlstate", None)
    logger.warning(
        "Database unavailable (%s%s): %d request(s) answered 503 with Retry-After "
        "(logged at most every %d s)",
        type(driver).__name__,
        f" {code}" if code else "",
        refused,
        UNAVAILABLE_LOG_SECONDS,
    )


def _titles() -> dict[int, str]:
    return {
        400: _("That request was not valid."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist."),
        405: _("This action is not possible here."),
        409: _("That is no longer possible."),
        410: _("This is no longer available."),
        413: _("That was too much data."),
        503: _("It is very busy right now. Try again in a moment."),
        429: _("Too many attempts"),
    }


def render_error(status: int, message: str | None = None, **context) -> tuple[str, int]:
    """Render the error page with a status and an optional specific message."""
    title = _titles().get(status, _("Something went wrong."))
    wants_json = request.accept_mimetypes.best == "application/json"
    if wants_json:
        return {"error": message or title}, status  # type: ignore[return-value]
    page = render_template(
        "errors/error.html", status=status, title=title, message=message, **context
    )
    return page, status


def _database_unavailable(error: SQLAlchemyError):
    """The database cannot serve now: 503 with Retry-After, and the page brings the browser
    back by itself (app.js); a phone's answer is sent again once. Any other database error
    goes on to the 500 handler.
    """
    if not is_unavailable(error):
        raise error
    rollback()
    log_unavailable(current_app.logger, error)
    is_answer = request.method == "POST" and request.endpoint == "student.live_answer"
    message, retry = None, None
    if is_answer and "retried" not in request.form:
        message = _("Your answer was not saved yet. It is sent again by itself in a moment.")
        retry = [*request.form.items(multi=True), ("retried", "1")]
    elif is_answer:
        message = _("Your answer was not saved yet. Send it again from the lesson in a moment.")
    page, status = render_error(
        503,
        message,
        retry_fields=retry,
        retry_after=RETRY_AFTER_SECONDS,
        return_to=None if retry else _return_to(),
        database_unavailable=True,
    )
    return page, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _return_to() -> str | None:
    """Where the error page goes by itself after Retry-After: a phone to its lesson,
    any other page that was only read to itself; a staff form sent is not sent again."""
    blueprint = request.blueprint
    code = (request.view_args or {}).get("code")
    if blueprint == "student" and isinstance(code, str) and request.endpoint != "student.join_link":
        return url_for("student.live", code=code)
    if blueprint == "booth":
        return url_for("booth.index")
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    return None


def rollback() -> None:
    """Roll the request's session back; a rollback that fails itself (the connection is
    gone) must not turn the page being shown into another error."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        with contextlib.suppress(SQLAlchemyError):
            db.session.close()


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_error(
        400, _("The form had expired or was sent twice. Go back, reload the page and try again.")
    )


def _too_many_attempts(error: RateLimitExceeded) -> tuple[str, int]:
    """Say how long to wait: a minute is not the same as the rest of the day."""
    limit = limiter.current_limit
    seconds = limit.reset_at - time.time() if limit is not None else 60
    minutes = max(1, math.ceil((seconds - 1) / 60))  # reset_at is rounded up to a second
    if minutes <= 90:
        message = ngettext(
            "Try again in %(num)d minute.",
            "Try again in %(num)d minutes.",
            minutes,
        )
    else:
        message = ngettext(
            "Try again in %(num)d hour.",
            "Try again in %(num)d hours.",
            math.ceil(minutes / 60),
        )
    return render_error(429, message)


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    if error.code is None or error.code < 400 or error.code == 500:
        return error
    return render_error(error.code)


def _untrusted_host(error: SecurityError) -> SecurityError:
    """A Host header outside TRUSTED_HOSTS: no link can be built for it, so werkzeug's 400."""
    return error


def _server_error(error: Exception) -> tuple[str, int]:
    rollback()
    return render_error(500)
