"""The fast path for waiting phones: a state poll answered before Flask's request pipeline.

Installed in `create_app` (`init_app` below), in front of the whole app. It
shares its rules with the Flask path by import, never by copy: the session
cookie is read with the app's own serializer, the device token is looked up
by `tokens.token_of`, the code normalised by `services.normalise_code`, and
the headers are the ones `security.set_security_headers` gives every response.
"""

from datetime import datetime

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie, parse_etags

from ..extensions import db
from ..polls import services
from ..polls.models import Run
from ..security import set_security_headers
from ..timeutil import as_utc, now_utc
from . import tokens


def init_app(app: Flask) -> None:
    """Put StatePoll in front of Flask (call it before any proxy middleware is added)."""
    app.wsgi_app = StatePoll(app, app.wsgi_app)


class StatePoll:
    """WSGI middleware that answers a joined phone's state poll without the rest of Flask.

    Every waiting phone asks every few seconds whether something changed; at a
    municipal event that is most of all requests. Through Flask each one would
    also pass the rate limiter, the login hooks, the CSRF hook and an ORM
    session, which together cost several times the query. Here it is: read the
    signed session cookie as Flask does, one indexed query for the run's id,
    version and end, and a 304 (or the version) with the app's security headers.

    Everything else (another path, a method other than GET, an unknown or ended
    code, a phone without a token for the run, a session Flask would not read
    this way) goes to Flask unchanged, so every error looks as it always did.
    Nothing is written: no session change, no log line, no cookie.
    """

    PREFIX, SUFFIX = "/live/", "/state"

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._ready = False

    def __call__(self, environ: dict, start_response):
        """Answer the poll here when possible; hand everything else to Flask."""
        path = environ.get("PATH_INFO", "")
        if (
            path.startswith(self.PREFIX)
            and path.endswith(self.SUFFIX)
            and environ.get("REQUEST_METHOD") == "GET"
        ):
            code = services.normalise_code(path[len(self.PREFIX) : -len(self.SUFFIX)])
            version = self._version_for_joined_phone(environ, code) if code else None
            if version is not None:
                return self._respond(environ, start_response, str(version))
        return self.wsgi_app(environ, start_response)

    def _setup(self) -> None:
        # On first use, when the app is complete: its engine, its cookie
        # serializer and the headers its after_request hook sets.
        app = self.app
        interface = app.session_interface
        self._serializer = None
        if type(interface) is SecureCookieSessionInterface:
            self._serializer = interface.get_signing_serializer(app)
        self._cookie_name = interface.get_cookie_name(app)
        self._max_age = int(app.permanent_session_lifetime.total_seconds())
        with app.app_context():
            self._engine = db.engine
        compiled = _RUN_STATE.compile(dialect=self._engine.dialect)
        self._sql = compiled.string
        self._positional = compiled.positional
        self._headers = {}
        for scheme in ("http", "https"):
            base_url = f"{scheme}://{app.config.get('SERVER_NAME') or 'localhost'}"
            with app.test_request_context("/live/CODE/state", base_url=base_url):
                headers = set_security_headers(Response()).headers
            self._headers[scheme] = [
                (name, value) for name, value in headers.items() if name != "Content-Type"
            ]
        self._ready = True

    def _version_for_joined_phone(self, environ: dict, code: str) -> int | None:
        if not self._ready:
            self._setup()
        cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(self._cookie_name)
        if not cookie or self._serializer is None:
            return None
        try:
            session_data = self._serializer.loads(cookie, max_age=self._max_age)
        except BadSignature:
            return None
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(self._sql, (code,) if self._positional else {"code": code})
            row = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
        if row is None or row[2] is not None or _passed(row[3]):
            return None
        run_id, version = row[0], row[1]
        if tokens.token_of(session_data, run_id) is None:
            return None
        return version

    def _respond(self, environ: dict, start_response, etag: str):
        scheme = environ.get("wsgi.url_scheme", "http")
        security = self._headers.get(scheme, self._headers["http"])
        headers = [("ETag", f'"{etag}"'), ("Vary", "Cookie"), *security]
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains(etag):
            start_response("304 NOT MODIFIED", headers)
            return []
        body = f'{{"version": {etag}}}'.encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                *headers,
            ],
        )
        return [body]


# Four columns by the unique join code: no ORM object, no lesson titles to decode.
_RUN_STATE = db.select(Run.id, Run.version, Run.ended_at, Run.expires_at).where(
    Run.join_code == db.bindparam("code")
)


def _passed(expires_at: datetime | str | None) -> bool:
    """Whether a run's time limit, as the database driver returns it, has passed."""
    if expires_at is None:
        return False
    if isinstance(expires_at, str):  # SQLite's driver returns the stored text
        expires_at = datetime.fromisoformat(expires_at)
    return as_utc(expires_at) <= now_utc()
