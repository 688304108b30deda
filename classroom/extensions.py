"""Extension objects, created unbound so that models and views can import them."""

import contextlib
import os
import select
import sqlite3
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, lazy_gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.pool import Pool

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
    """Flask-Limiter that can ask its request filters before any other work, and says in the
    app's log when its shared storage fails and when it is back.

    Flask-Limiter asks the filters only after identifying the request, and then still
    evaluates an empty set of limits, twice for a decorated view. A request a
    filter exempts (a joined phone on its live pages, `student.views`) is exempt
    either way; asking first spares a tenth of such a request's time. That reads
    and overrides private parts of Flask-Limiter, so `speedups.install` switches it
    on only while they are there (`speedups.PRIVATE_NAMES`, tests/test_speedups.py).

    When Redis fails, Flask-Limiter counts in this process's memory and tells only its
    own logger, which has no handler: nobody saw it. Whether it does is read from its
    public `limiter` and `storage` at the end of each request.
    """

    # Set by `speedups.install`. The override below must be in the class itself:
    # Flask-Limiter binds `_check_request_limit` when `init_app` registers its hook.
    filters_first = False
    _announced_down = False

    def init_app(self, app: Flask) -> None:
        """Bind to the app; each of its requests ends by saying in the log if the counts moved."""
        super().init_app(app)
        if isinstance(getattr(self, "_storage_dead", None), bool):
            self._storage_dead = False  # a new storage (speedups.LIMITER_STORAGE_DEAD)
        self._announced_down = False
        if not app.extensions.get(_WATCHED):  # `init_app` may run again on one app (tests)
            app.extensions[_WATCHED] = True
            app.teardown_request(self._announce_if_moved)

    def _check_request_limit(self, *args: Any, **kwargs: Any) -> None:
        if self.filters_first and any(exempt() for exempt in self._request_filters):
            return
        super()._check_request_limit(*args, **kwargs)

    def counting_in_memory(self) -> bool:
        """Whether the counts moved to this process's memory because the storage failed."""
        if not (self.enabled and self.initialized):
            return False
        return self.limiter.storage is not self.storage

    def _announce_if_moved(self, _error: BaseException | None = None) -> None:
        down = self.counting_in_memory()
        if down != self._announced_down:
            self._announce_storage(down=down)

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
_WATCHED = "klasgesprek.limit_storage_watch"


# How long SQLite waits for another writer before giving up (then the app answers 503):
# a command (the CLI) this long, a request only as long as its SQLITE_REQUEST_BUSY_TIMEOUT_MS.
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


# What a request waits instead while this process finds the write lock stuck (see below).
SQLITE_STUCK_BUSY_TIMEOUT_MS = 20
# SQLite's extended result code of a write that waited its whole busy timeout in vain.
_SQLITE_BUSY = 5


class _WriteLockWatch:
    """Whether this process found SQLite's write lock held for a request's whole wait.

    A burst of answers holds the lock for milliseconds at a time, and a request waits
    its turn (SQLITE_REQUEST_BUSY_TIMEOUT_MS). A lock held past that is stuck (another
    process, a long command): then every worker, and every thread of it, would sit
    in the same wait, and the reads queued behind them would stall with it. So once
    a request's wait ran out, this process's requests wait only
    SQLITE_STUCK_BUSY_TIMEOUT_MS (a 503 with Retry-After that the phone rides out),
    until one of its requests writes again.
    """

    stuck = False


@event.listens_for(Pool, "checkout")
def _sqlite_wait_in_requests(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A request waits for SQLite's write lock as `_WriteLockWatch` says; a command 5 s."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    record.info["changes"] = dbapi_connection.total_changes
    if not has_request_context():
        return
    if _WriteLockWatch.stuck:
        wanted = SQLITE_STUCK_BUSY_TIMEOUT_MS
    else:
        wanted = min(
            current_app.config.get("SQLITE_REQUEST_BUSY_TIMEOUT_MS", SQLITE_BUSY_TIMEOUT_MS),
            SQLITE_BUSY_TIMEOUT_MS,
        )
    if record.info.get("busy_timeout") != wanted:
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(wanted)}")
        record.info["busy_timeout"] = wanted


@event.listens_for(Pool, "checkin")
def _sqlite_lock_free_again(dbapi_connection: Any, record: Any) -> None:
    """A request that changed a row had the write lock: it is not stuck (any more)."""
    if not _WriteLockWatch.stuck or not isinstance(dbapi_connection, sqlite3.Connection):
        return
    if dbapi_connection.total_changes != record.info.get("changes"):
        _WriteLockWatch.stuck = False


@event.listens_for(Engine, "handle_error")
def _sqlite_lock_stuck(context: Any) -> None:
    """A wait for SQLite's write lock ran out: it is stuck, `_WriteLockWatch` says so."""
    error = context.original_exception
    if isinstance(error, sqlite3.OperationalError) and has_request_context():
        _WriteLockWatch.stuck |= getattr(error, "sqlite_errorcode", None) == _SQLITE_BUSY


@event.listens_for(Pool, "checkout")
def _replace_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A PostgreSQL connection the server closed while it sat in the pool is replaced
    before a request uses it, so a restarted database costs no request.

    An idle connection has nothing to read unless the server said goodbye (a restart,
    `pg_terminate_backend`, a proxy's time-out): one `poll()` of its socket, no round
    trip. SQLAlchemy's `pool_pre_ping` asks the server instead, a round trip per
    checkout (docs/performance.md). A server that vanished without a word is found
    by the request itself: a 503 that the phone rides out (`errors.is_unavailable`).
    """
    pgconn = getattr(dbapi_connection, "pgconn", None)  # psycopg 3
    if pgconn is None:
        return
    if dbapi_connection.broken or dbapi_connection.closed or _has_input(pgconn.socket):
        raise DisconnectionError("the server closed this pooled connection")


def _has_input(socket: int) -> bool:
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    return bool(poller.poll(0))


def _owner_only(database: str) -> None:
    for path in (database, f"{database}-wal", f"{database}-shm"):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)


def statements_commit_alone() -> None:
    """Let each statement of this request commit on its own on PostgreSQL: no BEGIN, no COMMIT.

    For the phones' busiest views, whose statements are reads and single-statement
    writes: under PostgreSQL's READ COMMITTED every statement sees what was committed
    when it began, in a transaction or not, and one statement is atomic by itself, so
    a transaction around them adds nothing but two round trips to the database. A
    view that goes on to writes that must hold together calls `db.session.commit()`
    first; its next statement begins a transaction as usual. Called once statements
    ran, it changes nothing until the next commit. SQLite, in the worker's own
    process, keeps its transactions.
    """
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def init_app(app: Flask, *, migrations: bool = True) -> None:
    """Bind every extension to the app; Flask-Migrate only when `migrations` (the CLI's)."""
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
    limiter.init_app(app)


def select_locale() -> str:
    """The language chosen in this browser's session; Dutch by default."""
    chosen = session.get("language")
    return chosen if chosen in current_app.config["LANGUAGES"] else "nl"
