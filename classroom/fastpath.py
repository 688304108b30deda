"""The two state polls answered before Flask's request pipeline: the phones' and the projector's.

Installed by `speedups.install`, from `create_app`, in front of the whole app. Every
waiting phone asks `/live/CODE/state` every few seconds, and every projector
(and teacher screen) asks `/runs/ID/state`; at a municipal event these are most
of all requests. Through Flask each one also passes the rate limiter, the login
and CSRF hooks, Babel and an ORM session, which cost several times the query.

The fast path shares its rules with the Flask path by import, never by copy:
the session cookie is read with the app's own serializer; a phone's token is
found by `student.tokens.token_of` and the code normalised by
`polls.services.normalise_code`; a teacher's session id is checked by
`accounts.sessions` (which Flask-Login's user loader uses) and its time-outs by
`accounts.sessions.session_time` (which the idle hook uses); the projector's
ETag comes from `polls.services.presenter_state` and its count from
`polls.answers.COUNT_AT`, as in the view; the headers are those that
`security.set_security_headers` gives every response.

It answers only what it can answer exactly as Flask would; everything else
(another path or method, a query string, an unknown or ended code, a phone
without a token for the run, a session Flask would write to or end, a run of
someone else, a projector whose state changed) goes to Flask unchanged, so
every refusal and every change looks as it always did. Nothing is written: no
session change, no log line, no cookie.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie, parse_etags

from . import state_cache
from .accounts import sessions
from .accounts.models import User
from .converters import MAX_ID
from .errors import RETRY_AFTER_SECONDS, is_unavailable, log_unavailable
from .extensions import db, login_manager
from .polls import answers, services
from .polls.models import Run
from .security import set_security_headers
from .student import tokens
from .timeutil import as_utc, now_utc

# How long a worker reuses the projector's counts (answers, phones), and for how many runs at most.
COUNT_SECONDS = 1.0
COUNTS_KEPT = 1024


def init_app(app: Flask, *, identify: Callable[[dict], str] | None = None) -> None:
    """Put StatePoll in front of Flask (call it before any proxy middleware is added).

    `identify` gives Flask-Login's session identifier of a request from its environ
    (`speedups.login_identifier`); without it, a fresh session's projector poll goes
    to Flask, which marks the session as not fresh when its browser changed.
    """
    app.wsgi_app = StatePoll(app, app.wsgi_app, identify=identify)


class StatePoll:
    """WSGI middleware that answers the state polls it can without the rest of Flask.

    A joined phone's `GET /live/CODE/state` of an open run: the run's id, version
    and end, then a 304 (or the version). A teacher's `GET /runs/ID/state` of their
    own run whose ETag is still current: the account and the run, the counts, then
    a 304. On PostgreSQL the run and account rows are kept per worker until a
    notification says they changed (`classroom.state_cache`), so a poll when nothing
    changed needs no round trip; on SQLite one indexed read each, in the process.
    The counts are read at most once a second per worker and run version (`_figures`).
    """

    PHONE, PROJECTOR, SUFFIX = "/live/", "/runs/", "/state"

    def __init__(
        self, app: Flask, wsgi_app, *, identify: Callable[[dict], str] | None = None
    ) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._identify = identify
        self._ready = False
        self._counts: dict[tuple[int, int | None, int], tuple[float, int, int, int]] = {}

    def __call__(self, environ: dict, start_response):
        """Answer the poll here when possible; hand everything else to Flask.

        A database that cannot serve now (`errors.is_unavailable`) gets the 503 with
        Retry-After that Flask's handler gives; any other error is the server's 500.
        """
        path = environ.get("PATH_INFO", "")
        if (
            path.endswith(self.SUFFIX)
            and environ.get("REQUEST_METHOD") == "GET"
            and not environ.get("QUERY_STRING")
        ):
            try:
                answered = self._answer(environ, start_response, path)
            except Exception as error:
                if not is_unavailable(error):
                    raise
                log_unavailable(self.app.logger, error)
                return self._unavailable(environ, start_response)
            if answered is not None:
                return answered
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ: dict, start_response, path: str):
        """The poll's response when it can be answered here, else None (Flask answers it)."""
        if not self._ready:
            self._setup()
        middle = path[: -len(self.SUFFIX)]
        if middle.startswith(self.PHONE):
            code = services.normalise_code(middle[len(self.PHONE) :])
            version = self._phone_version(environ, code) if code else None
            if version is not None:
                return self._respond(environ, start_response, str(version))
        elif middle.startswith(self.PROJECTOR):
            run_id = _id_in_path(middle[len(self.PROJECTOR) :])
            if run_id is not None and self._projector_current(environ, run_id):
                return self._not_modified(environ, start_response)
        return None

    def _unavailable(self, environ: dict, start_response):
        """503, Retry-After and no-store, with the headers every response carries."""
        headers = self._headers if self._ready else _security_headers(self.app)
        security = headers.get(environ.get("wsgi.url_scheme", "http"), headers["http"])
        body = b'{"error": "unavailable"}'
        start_response(
            "503 SERVICE UNAVAILABLE",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Retry-After", str(RETRY_AFTER_SECONDS)),
                *security,
            ],
        )
        return [body]

    def _setup(self) -> None:
        # On first use, when the app is complete: its engine, its cookie
        # serializer and the headers its after_request hook sets.
        app = self.app
        interface = app.session_interface
        self._serializer = None
        # Flask's cookie session, whatever serializer it is given (`speedups.SessionInterface`).
        if (
            isinstance(interface, SecureCookieSessionInterface)
            and type(interface).open_session is SecureCookieSessionInterface.open_session
        ):
            self._serializer = interface.get_signing_serializer(app)
        self._cookie_name = interface.get_cookie_name(app)
        self._max_age = int(app.permanent_session_lifetime.total_seconds())
        with app.app_context():
            self._engine = db.engine
        self._cache = state_cache.of_app(app)
        self._statements = {
            name: self._compiled(statement)
            for name, statement in (
                ("run", _RUN_STATE),
                ("projector", _PROJECTOR_STATE),
                ("joined", _JOINED),
                ("count", answers.COUNT_AT),
            )
        }
        # Only Flask-Login's "basic" protection (or none) leaves access alone when the
        # address or browser changes; "strong" ends the session, which only Flask does.
        protection = app.config.get("SESSION_PROTECTION", login_manager.session_protection)
        self._projector_allowed = protection in (None, False, "", "basic")
        self._headers = _security_headers(app)
        self._ready = True

    def _compiled(self, statement) -> tuple[str, list[str] | None]:
        compiled = statement.compile(dialect=self._engine.dialect)
        names = list(compiled.positiontup) if compiled.positional else None
        return compiled.string, names

    def _query(self, name: str, values: dict, connection=None):
        """One row of a statement built once; on a pooled connection of its own unless given."""
        sql, names = self._statements[name]
        own = connection is None
        if own:
            connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(sql, tuple(values[n] for n in names) if names else values)
            row = cursor.fetchone()
            cursor.close()
        finally:
            if own:
                connection.close()
        return row

    def _session(self, environ: dict) -> dict | None:
        """The session as Flask would read it from the cookie, or None."""
        cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(self._cookie_name)
        if not cookie or self._serializer is None:
            return None
        try:
            return self._serializer.loads(cookie, max_age=self._max_age)
        except BadSignature:
            return None

    def _phone_version(self, environ: dict, code: str) -> int | None:
        session_data = self._session(environ)
        if session_data is None:
            return None
        row = self._kept_or_read(("run", code), "run", {"code": code}, lambda row: row[0])
        if row is None or row[2] is not None or _passed(row[3]):
            return None
        run_id, version = row[0], row[1]
        if tokens.token_of(session_data, run_id) is None:
            return None
        return version

    def _kept_or_read(self, key: tuple, name: str, values: dict, run_of, account=None):
        """A row as this worker keeps it (PostgreSQL, until a notification), or read now.

        `run_of(row)` names the run the row belongs to, `account` its account, if any:
        a notification for either forgets it.
        """
        cache = self._cache
        if cache is None:
            return self._query(name, values)
        row = cache.get(key)
        if row is not None:
            return row
        ticket = cache.ticket()
        row = self._query(name, values)
        if row is not None:
            row = tuple(row)
            tags = [state_cache.run_tag(run_of(row))]
            if account is not None:
                tags.append(state_cache.account_tag(account))
            cache.keep(key, row, ticket, tags)
        return row

    def _projector_current(self, environ: dict, run_id: int) -> bool:
        """Whether the run's own teacher, in a session Flask would leave as it is, has its state."""
        if not self._projector_allowed or not environ.get("HTTP_IF_NONE_MATCH"):
            return False
        session_data = self._session(environ)
        if session_data is None or "_remember" in session_data:
            return False
        session_id = session_data.get(sessions.USER_ID_KEY)
        account = sessions.split_session_id(session_id) if isinstance(session_id, str) else None
        if account is None:
            return False
        if sessions.session_time(session_data, int(time.time()), self.app.config) != "current":
            return False  # Flask ends the session, or writes `seen_at` into the cookie
        if session_data.get("_fresh") is not False and not self._same_browser(
            environ, session_data
        ):
            return False  # Flask-Login marks the session as not fresh, in the cookie
        user_id = account[0]
        row = self._kept_or_read(
            ("projector", run_id, user_id),
            "projector",
            {"run_id": run_id, "user_id": user_id},
            lambda _row: run_id,
            account=user_id,
        )
        if row is None or not sessions.admits(row[0], row[1], account[1]):
            return False
        version, position = row[2], row[3]
        figures = self._figures(run_id, position, version)
        if figures is None:
            return False
        joined, count, batched = figures
        _shown, etag = services.presenter_state(version, joined, count, batched)
        environ["klasgesprek.etag"] = etag
        return parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains(etag)

    def _figures(
        self, run_id: int, position: int | None, version: int
    ) -> tuple[int, int, int] | None:
        """Phones joined and answers at a position, read at most once a second per worker
        and run version; None when the run is gone.

        Every screen of a run polls; counting thousands of answers for each poll is
        the whole cost of it, and every phone that joins changes the number of phones.
        Figures up to COUNT_SECONDS old only delay the projector's figures by as much:
        a new version (a question opened or closed) is counted afresh, and the Flask
        view, which every changed state reaches, always counts.
        """
        key = (run_id, position, version)
        now = time.monotonic()
        cached = self._counts.get(key)
        if cached is not None and now - cached[0] < COUNT_SECONDS:
            return cached[1], cached[2], cached[3]
        connection = self._engine.raw_connection()
        try:
            row = self._query("joined", {"run_id": run_id}, connection)
            if row is None:
                return None
            count, batched = 0, 0
            if position is not None:
                values = {"run_id": run_id, "position": position}
                count, batched = self._query("count", values, connection)
        finally:
            connection.close()
        if len(self._counts) >= COUNTS_KEPT:
            self._counts.clear()
        self._counts[key] = (now, row[0], count, batched)
        return row[0], count, batched

    def _same_browser(self, environ: dict, session_data: dict) -> bool:
        """Whether Flask-Login's own session identifier of this request is the session's.

        False when it cannot be told here (`speedups` left `identify` out): Flask answers.
        """
        if self._identify is None:
            return False
        return session_data.get("_id") == self._identify(environ)

    def _not_modified(self, environ: dict, start_response):
        scheme = environ.get("wsgi.url_scheme", "http")
        security = self._headers.get(scheme, self._headers["http"])
        etag = environ["klasgesprek.etag"]
        start_response("304 NOT MODIFIED", [("ETag", f'"{etag}"'), ("Vary", "Cookie"), *security])
        return []

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
# The account of the session and its own run (the Flask guard's 404 otherwise), in one row.
_PROJECTOR_STATE = (
    db.select(User.active, User.session_token, Run.version, Run.current_position)
    .join(User, User.id == Run.teacher_id)
    .where(Run.id == db.bindparam("run_id"), Run.teacher_id == db.bindparam("user_id"))
)
# The phones joined, which change with every join and are read with the answers' count.
_JOINED = db.select(Run.joined).where(Run.id == db.bindparam("run_id"))


def _security_headers(app: Flask) -> dict[str, list[tuple[str, str]]]:
    """The headers `security.set_security_headers` gives a state poll, per URL scheme."""
    headers_of = {}
    for scheme in ("http", "https"):
        base_url = f"{scheme}://{app.config.get('SERVER_NAME') or 'localhost'}"
        with app.test_request_context("/live/CODE/state", base_url=base_url):
            headers = set_security_headers(Response()).headers
        headers_of[scheme] = [
            (name, value) for name, value in headers.items() if name != "Content-Type"
        ]
    return headers_of


def _id_in_path(text: str) -> int | None:
    """The id the app's `int` converter would match in a path segment, or None."""
    if not (text.isascii() and text.isdigit()) or (text.startswith("0") and text != "0"):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def _passed(expires_at: datetime | str | None) -> bool:
    """Whether a run's time limit, as the database driver returns it, has passed."""
    if expires_at is None:
        return False
    if isinstance(expires_at, str):  # SQLite's driver returns the stored text
        expires_at = datetime.fromisoformat(expires_at)
    return as_utc(expires_at) <= now_utc()
