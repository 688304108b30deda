"""Error pages: a clear message in the user's language, never a stack trace."""

import math
import sqlite3
import time

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
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
    app.register_error_handler(OperationalError, _database_busy)


# Seconds a phone waits before it sends a refused answer again, once.
RETRY_AFTER_SECONDS = 2
# PostgreSQL: a lock not granted in time, a deadlock, a serialization failure.
_BUSY_SQLSTATES = ("55P03", "40P01", "40001")


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


def is_busy(error: OperationalError) -> bool:
    """Whether the database refused only because another writer held it too long."""
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        text = str(original).lower()
        return "locked" in text or "busy" in text
    return getattr(original, "sqlstate", None) in _BUSY_SQLSTATES


def _database_busy(error: OperationalError):
    """A write lock held too long: 503 with Retry-After; a phone's answer is sent again once."""
    if not is_busy(error):
        raise error
    db.session.rollback()
    retry = None
    is_answer = request.method == "POST" and request.endpoint == "student.live_answer"
    if is_answer and "retried" not in request.form:
        retry = [*request.form.items(multi=True), ("retried", "1")]
    page, status = render_error(
        503,
        _("Your answer was not saved yet. It is sent again by itself in a moment."),
        retry_fields=retry,
        retry_after=RETRY_AFTER_SECONDS,
    )
    return page, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


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
    db.session.rollback()
    return render_error(500)
