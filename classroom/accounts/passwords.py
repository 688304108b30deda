"""What a staff password must be: long enough, not too long, not a common one."""

from functools import cache
from pathlib import Path

from flask import has_request_context
from flask_babel import gettext

MIN_LENGTH = 8
MAX_LENGTH = 1024


@cache
def _common() -> frozenset[str]:
    lines = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in lines.splitlines() if line[:1] != "#")


def _(message: str, **values: int) -> str:
    """Translated in a request; plain English in a command."""
    return gettext(message, **values) if has_request_context() else message % values


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why a password is refused, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(min)d characters.", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(max)d characters.", max=MAX_LENGTH)
    lowered = password.strip().lower()
    if lowered in _common() or (email and lowered in (email.lower(), email.split("@")[0].lower())):
        return _("This password is too easy to guess. Choose another one.")
    return None
