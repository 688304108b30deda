"""Every speed-up that leans on the framework, installed in one place, and the private
names of Flask and its extensions that some of them need, each fenced.

`create_app` calls `install` once the app is complete. It puts the phones' and the
projector's state polls in front of Flask (`fastpath`), has them keep what they
read on PostgreSQL (`state_cache`), keeps Flask-Babel's, WTForms' and the
session's per-request work to once per request or process, and lets the rate
limiter ask its request filters first (`extensions.AppLimiter`).

Two of them need names a library keeps to itself, listed in `PRIVATE_NAMES`: what
they belong to, which speed-up uses them and what to do when they go. A name
that is gone never stops the app: `install` leaves its speed-up out, so those
requests take the Flask path as they would without it, and says so in the log;
`problems()` and tests/test_speedups.py name the speed-up to revisit. The
libraries get upper bounds in pyproject.toml, and installs come from
requirements.lock (docs/development.md).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flask
import flask.globals
from babel import support
from flask import Flask, Request, g
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, get_locale, get_translations
from flask_limiter import Limiter
from flask_wtf.i18n import translations as flask_wtf_translations
from itsdangerous import URLSafeTimedSerializer
from wtforms.i18n import messages_path

from . import fastpath, state_cache
from .extensions import limiter, login_manager


def install(app: Flask) -> None:
    """Install every speed-up on the app, each only while the private names it needs are there.

    Call it after the blueprints and before any proxy middleware (`security.init_app`),
    which must wrap the state polls too.
    """
    gone = [name for name in PRIVATE_NAMES if name.gates and not name.present()]
    for name in gone:
        app.logger.warning("Speed-up left out: %s", name.problem())
    app.request_class = AppRequest
    app.session_interface = SessionInterface()
    _translate_templates_per_request(app)
    limiter.filters_first = not any(name in gone for name in (LIMITER_CHECK, LIMITER_FILTERS))
    state_cache.init_app(app)
    same_browser = not any(name in gone for name in (FLASK_REQUEST, LOGIN_IDENTIFIER))
    fastpath.init_app(app, identify=login_identifier(app) if same_browser else None)


def problems() -> list[str]:
    """What a new release of a library broke among the speed-ups' private names; empty if none."""
    return [name.problem() for name in PRIVATE_NAMES if not name.present()]


@dataclass(frozen=True)
class PrivateName:
    """A name a library keeps to itself, which a speed-up here relies on."""

    where: str  # the module, class or object it belongs to, as a reader finds it
    attribute: str
    holder: Callable[[], object]  # that module, class or object
    speedup: str  # which speed-up uses it
    revisit: str  # what to do when it is gone
    works: Callable[[Any], bool] = callable  # whether what is there still does the job
    gates: bool = True  # `install` leaves the speed-up out without it

    @property
    def label(self) -> str:
        """The name as a reader would write it."""
        return f"{self.where}.{self.attribute}"

    def present(self) -> bool:
        """Whether the name is there and still works as the speed-up expects."""
        value = getattr(self.holder(), self.attribute, _MISSING)
        return value is not _MISSING and bool(self.works(value))

    def problem(self) -> str:
        """The message that names the speed-up to revisit."""
        return (
            f"{self.label} is gone or works differently: revisit {self.speedup} "
            f"(classroom/speedups.py). {self.revisit}"
        )


_MISSING = object()


class _BareRequestContext:
    """Just enough of a request context for `flask.request` to find the request."""

    def __init__(self, request: object) -> None:
        self.request = request


def _flask_request_follows(variable: object) -> bool:
    """Whether `flask.request` is the request of the context set in this context variable."""
    if not isinstance(variable, contextvars.ContextVar):
        return False
    marker = object()
    token = variable.set(_BareRequestContext(marker))
    try:
        return flask.request._get_current_object() is marker  # type: ignore[attr-defined]
    except Exception:
        return False
    finally:
        variable.reset(token)


def _request_filters_land_there(filters: object) -> bool:
    """Whether `Limiter.request_filter` still keeps the filters in this list."""
    probe = Limiter(key_func=str)
    added = probe.request_filter(lambda: False)
    return isinstance(filters, list) and added in getattr(probe, "_request_filters", ())


def _flask_wtf_reads_it(_catalogue: object) -> bool:
    """Whether Flask-WTF still takes WTForms' messages from `request.wtforms_translations`."""

    class Marker:
        def ugettext(self, _string: str) -> str:
            return "marker"

    probe = Flask(__name__)
    Babel(probe)
    with probe.test_request_context():
        flask.request.wtforms_translations = Marker()  # type: ignore[attr-defined]
        message = "any WTForms message"  # a variable, so that no catalogue extracts it
        return flask_wtf_translations.gettext(message) == "marker"


STATE_POLL = "the projector's state poll in front of Flask (fastpath.StatePoll._same_browser)"
FLASK_REQUEST = PrivateName(
    where="flask.globals",
    attribute="_cv_request",
    holder=lambda: flask.globals,
    speedup=STATE_POLL,
    revisit=(
        "Flask-Login's session identifier reads the request through `flask.request`, so "
        "`login_identifier` sets a bare request context in this variable. Until revisited, "
        "the polls of fresh sessions go through Flask; Flask 3.2 merges the request into "
        "the app context: set that context's request instead, or push "
        "`app.request_context(environ)` if its cost is acceptable."
    ),
    works=_flask_request_follows,
)
LOGIN_IDENTIFIER = PrivateName(
    where="flask_login.LoginManager",
    attribute="_session_identifier_generator",
    holder=lambda: login_manager,
    speedup=STATE_POLL,
    revisit=(
        "The poll compares the session's `_id` with Flask-Login's identifier of the "
        "request, as `_session_protection_failed` does; find what Flask-Login now uses. "
        "Until revisited, the polls of fresh sessions go through Flask."
    ),
)
LIMITER_CHECK = PrivateName(
    where="flask_limiter.Limiter",
    attribute="_check_request_limit",
    holder=lambda: Limiter,
    speedup="the rate limiter asking its request filters first (extensions.AppLimiter)",
    revisit=(
        "AppLimiter overrides this hook, which Flask-Limiter runs before each request and "
        "each decorated view, to return at once for a request a filter exempts. Override "
        "its successor, or drop the override: exempt requests then cost Flask-Limiter's "
        "full check (tests/test_rate_limits.py counts it)."
    ),
)
LIMITER_FILTERS = PrivateName(
    where="flask_limiter.Limiter",
    attribute="_request_filters",
    holder=lambda: limiter,
    speedup="the rate limiter asking its request filters first (extensions.AppLimiter)",
    revisit=(
        "The list `Limiter.request_filter` adds to, which AppLimiter asks before anything "
        "else; until revisited, Flask-Limiter asks it after its own work."
    ),
    works=_request_filters_land_there,
)
FLASK_WTF_CATALOGUE = PrivateName(
    where="flask_wtf.i18n: request",
    attribute="wtforms_translations",
    holder=lambda: AppRequest,
    speedup="WTForms' catalogue read once per process (speedups.AppRequest)",
    revisit=(
        "Flask-WTF reads this undocumented request attribute before it loads WTForms' "
        "catalogue from disk, as it does on every request that builds a form otherwise; "
        "give it the shared catalogue where it now looks, or drop AppRequest."
    ),
    works=_flask_wtf_reads_it,
    gates=False,  # unused when Flask-WTF stops reading it: nothing to leave out
)
LIMITER_STORAGE_DEAD = PrivateName(
    where="flask_limiter.Limiter",
    attribute="_storage_dead",
    holder=lambda: limiter,
    speedup="a new storage that starts out reachable (extensions.AppLimiter.init_app)",
    revisit=(
        "Flask-Limiter keeps this flag when `init_app` makes a new storage, so one limiter "
        "bound again (every test app) would count in memory until its next storage check, "
        "and then start from zero. Reset its successor, or drop the reset if Flask-Limiter "
        "now does it itself."
    ),
    works=lambda value: isinstance(value, bool),
    gates=False,  # nothing to leave out: without it the flag is whatever the library keeps
)
PRIVATE_NAMES = (
    FLASK_REQUEST,
    LOGIN_IDENTIFIER,
    LIMITER_CHECK,
    LIMITER_FILTERS,
    FLASK_WTF_CATALOGUE,
    LIMITER_STORAGE_DEAD,
)


def login_identifier(app: Flask) -> Callable[[dict], str]:
    """Flask-Login's session identifier of a request not yet in Flask, from its WSGI environ.

    Flask-Login's generator reads the request through `flask.request`; it gets this
    request, as Flask would build it, for the length of the call, and nothing else
    of a request context (no session, no app context, no teardown).
    """

    def identify(environ: dict) -> str:
        variable = flask.globals._cv_request
        token = variable.set(_BareRequestContext(app.request_class(environ)))  # type: ignore[arg-type]
        try:
            return login_manager._session_identifier_generator()
        finally:
            variable.reset(token)

    return identify


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


def _translate_templates_per_request(app: Flask) -> None:
    """The templates' `_()`: Flask-Babel's catalogue, found once per request and language.

    Replaces the callables that `babel.init_app` installed, so it runs after it.
    """
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: request_translations().ugettext(string),
        ngettext=lambda singular, plural, n: request_translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, string: request_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: request_translations().unpgettext(
            context, singular, plural, n
        ),
    )


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
