"""Extension objects, created unbound so that models and views can import them."""

import contextlib
import functools
import os
import sqlite3
from datetime import datetime
from typing import Any

from babel import support
from flask import Flask, Request, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, get_locale, get_translations, lazy_gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry
from wtforms.i18n import messages_path

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base: stable constraint names, and times that keep their UTC zone."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


class AppLimiter(Limiter):
    """Flask-Limiter that asks its request filters before any other work, and says in the
    app's log when its shared storage fails and when it is back.

    Flask-Limiter asks the filters only after identifying the request, and then still
    evaluates an empty set of limits, twice for a decorated view. A request a
    filter exempts (a joined phone on its live pages, `student.views`) is exempt
    either way; asking first spares a tenth of such a request's time.

    When Redis fails, Flask-Limiter counts in this process's memory and tells only its
    own logger, which has no handler: nobody saw it. Its private parts used here are
    checked by name in `tests/test_limit_storage.py`.
    """

    _announced_down = False

    def init_app(self, app: Flask) -> None:
        """Bind to the app, whose storage counts as reachable until a request finds otherwise."""
        super().init_app(app)
        self._storage_dead = False
        self._announced_down = False

    def _check_request_limit(self, *args: Any, **kwargs: Any) -> None:
        if any(exempt() for exempt in self._request_filters):
            return
        try:
            super()._check_request_limit(*args, **kwargs)
        finally:
            if self._storage_dead != self._announced_down:
                self._announce_storage(down=self._storage_dead)

    def _announce_storage(self, *, down: bool) -> None:
        """Log once per process that the counts moved to memory, and once that they are back."""
        self._announced_down = down
        if down:
            current_app.logger.error(
                "Rate limit storage unreachable: this process now counts every rate limit "
                "(failed logins per account too, wrong join codes) in its own memory, starting "
                "from zero, until the storage is back; meanwhile each process allows the full "
                "limits on its own."
            )
        else:
            current_app.logger.warning(
                "Rate limit storage reachable again: the counts are shared again; what this "
                "process counted in memory meanwhile no longer counts."
            )


# Storage from RATELIMIT_STORAGE_URI: memory:// for one process, redis://… when
# several workers or instances must share their counts (`ratelimits.workers_may_serve`).
limiter = AppLimiter(key_func=get_remote_address, key_prefix="klasgesprek")


# How long SQLite waits for another writer before giving up (then the app answers 503).
SQLITE_BUSY_TIMEOUT_MS = 5000


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and one writer work at once; wait instead of failing when locked.

    Deleted answers must not stay readable: `secure_delete` overwrites freed
    pages, and the files are the owner's alone (the log files SQLite creates
    take the database file's mode).
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        for _number, _name, path in cursor.execute("PRAGMA database_list").fetchall():
            if path:
                _owner_only(path)
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _owner_only(database: str) -> None:
    for path in (database, f"{database}-wal", f"{database}-shm"):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)


class _WtformsTranslations:
    """WTForms' own messages in the request's language, each catalogue read once per process.

    Flask-WTF reads WTForms' catalogue from disk on every request that builds a
    form, unless the request already carries one as `wtforms_translations`.
    """

    def ugettext(self, string: str) -> str:
        """Translate one of WTForms' messages."""
        return _wtforms_catalogue(str(get_locale())).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        """Translate one of WTForms' messages with a number."""
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


@functools.cache
def _wtforms_catalogue(language: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class AppRequest(Request):
    """Flask's request, carrying the shared WTForms catalogue that Flask-WTF looks for."""

    wtforms_translations = _WtformsTranslations()


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, its serializer built once per key, not twice a request."""

    _built: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer for the app's current secret key and fallbacks."""
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]


def init_app(app: Flask, *, migrations: bool = True) -> None:
    """Bind every extension to the app; Flask-Migrate only when `migrations` (the CLI's)."""
    app.request_class = AppRequest
    app.session_interface = SessionInterface()
    db.init_app(app)
    if migrations:
        # Alembic costs a web server's worker 10 MiB it never uses (wsgi.py).
        from flask_migrate import Migrate

        Migrate(app, db, render_as_batch=True)
    csrf.init_app(app)
    # Templates get Flask-Login's lazy proxy, not the user its own context processor loads
    # for every page: a phone's page never asks, so its cookie gets no `_fresh` flag.
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(lambda: {"current_user": current_user})
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.login_message_category = "info"
    babel.init_app(app, locale_selector=select_locale)
    # The templates' `_()`: Flask-Babel's catalogue, found once per request and language.
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: request_translations().ugettext(string),
        ngettext=lambda singular, plural, n: request_translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, string: request_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: request_translations().unpgettext(
            context, singular, plural, n
        ),
    )
    limiter.init_app(app)


def request_translations() -> support.NullTranslations:
    """Flask-Babel's translations for this request's locale, kept on `g` while it holds.

    Flask-Babel finds them anew for every string (its context, the locale's name, its
    cache); a page asks for twenty strings. Keyed by the locale object itself, so
    `force_locale` and `flask_babel.refresh` are followed as Flask-Babel follows them.
    """
    locale = get_locale()
    if locale is None:
        return get_translations()
    cached = g.get("_request_translations")
    if cached is None or cached[0] is not locale:
        cached = g._request_translations = (locale, get_translations())
    return cached[1]


def select_locale() -> str:
    """The language chosen in this browser's session; Dutch by default."""
    chosen = session.get("language")
    return chosen if chosen in current_app.config["LANGUAGES"] else "nl"
