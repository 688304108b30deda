"""The checker's messages in the reader's language.

A `Problem` holds its message as plain text, formatted when the problem is found: in a request,
in that request's language (a teacher's editor shows Dutch or English); outside a request (the
`flask lessons check` command, seeding, logs) always in English. Keeping plain text keeps
problems sortable, hashable and comparable, and `str(problem)` needs no request.
"""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def _(text: str, **params: object) -> str:
    """Translate a checker message (named %(…)s parameters) for the current request, if any."""
    if has_request_context():
        return gettext(text, **params)
    # Outside a request Flask-Babel would ask the session for a language: there is none.
    return text % params if params else text
