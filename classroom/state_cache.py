"""What the state polls and live pages know of runs and accounts between two changes,
kept true by PostgreSQL.

Every waiting phone asks `/live/CODE/state` every few seconds and every projector
`/runs/ID/state`; almost always nothing changed. At every change every phone loads
its live page, which reads the same run. On PostgreSQL each of those reads cost a
network round trip and a server process's time for the same row. Here each worker
keeps the rows the fast path (`classroom.fastpath`) and the live page
(`student.views.live`) read, and forgets a row as soon as any worker of any
instance changes it:

- **Sending**: every flush that changes a run (any column: its version, end, time
  limit, question on the projector, or the run deleted), one of its questions, or
  an account's access (active, session token, or deleted) also runs `pg_notify` on
  the same connection, in the same transaction (`init_app`). PostgreSQL delivers
  it when, and only if, the transaction commits. Every version bump goes through
  `Run.touch()`, so through a flush. The process that commits also forgets those
  rows at once, without waiting for its own notification: its next poll already
  reads the change.
- **Hearing**: one thread per process and database `LISTEN`s on its own
  connection and tells each cache which runs and accounts to forget. Every
  `HEARTBEAT_SECONDS` it sends a notification to itself and must hear it back
  within `HEARD_WITHIN_SECONDS`; a lost connection or a missed heartbeat
  (a restarted database, a pooler that does not pass notifications on) empties
  every cache and turns it off until the thread listens again.
- **Trusting**: a row read from the database is kept only if no notification
  and no loss of the connection came between the moment before the read and the
  moment it is stored (`StateCache.ticket`), so a change committed while a row
  was being read never leaves that older row behind.

A phone therefore sees a change as soon as the notification arrives (a few
milliseconds; `tests/test_state_cache.py` holds it to well under a second across
two instances), and a run ended or an account switched off elsewhere is never
answered from a kept row. Joining and answering never use kept rows: they read
the run and question themselves. SQLite has no notifications and needs none: it
is in the worker's own process, and its indexed read costs less than a round
trip; there the polls and pages read every time, as before.

Needs psycopg 3.2 or later (`Connection.notifies` with a time-out).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
import time
import weakref
from collections.abc import Hashable, Iterable

from flask import Flask
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine

from .accounts.models import User
from .extensions import db
from .polls.models import Question, Run

CHANNEL = "klasgesprek_state"
# How often the listener proves that it still hears, and how long its proof may take.
HEARTBEAT_SECONDS = 5.0
HEARD_WITHIN_SECONDS = 2.0
# Waits before listening again after the connection was lost (then the last, repeated).
RECONNECT_SECONDS = (0.2, 1.0, 2.0, 5.0)
# Rows kept per worker; a municipal event needs two, a school's busiest hour a few hundred.
ROWS_KEPT = 4096
# PostgreSQL takes payloads below 8000 bytes.
PAYLOAD_BYTES = 7000
# The account columns the projector's poll checks (`accounts.sessions.admits`).
ACCOUNT_ACCESS = ("active", "session_token")

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Announce on PostgreSQL, in its transaction, every change the state polls follow."""
    del app  # the session is the extension's, shared by every app of the process
    for name, listener in (
        ("before_flush", _note_changes),
        ("after_flush", _announce_changes),
        ("after_commit", _forget_committed),
        ("after_rollback", _drop_announced),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _note_changes(session, _flush_context, _instances) -> None:
    """Before a flush, while the changes are still there to see: which runs and accounts."""
    tags = set()
    for instance in session.dirty:
        if isinstance(instance, Run | Question) and session.is_modified(instance):
            tags.add(_tag_of_run(instance))
        elif isinstance(instance, User) and _access_changed(instance):
            tags.add(account_tag(instance.id))
    for instance in session.deleted:
        if isinstance(instance, Run | Question):
            tags.add(_tag_of_run(instance))
        elif isinstance(instance, User):
            tags.add(account_tag(instance.id))
    for instance in session.new:
        if isinstance(instance, Question):  # a question added to a running lesson
            tags.add(_tag_of_run(instance))
    tags.discard(None)
    if tags:
        session.info.setdefault(_NOTED, set()).update(tags)


def _announce_changes(session, _flush_context) -> None:
    """After the flush wrote them, in its transaction: notify which runs and accounts changed.

    PostgreSQL delivers the notification when the transaction commits, and drops it
    when it rolls back.
    """
    tags = session.info.pop(_NOTED, None)
    if not tags:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    for payload in _payloads(sorted(tags)):
        connection.execute(_NOTIFY, {"channel": CHANNEL, "payload": payload})
    session.info.setdefault(_ANNOUNCED, set()).update(tags)


def _forget_committed(session) -> None:
    """Once committed: this process's caches forget at once what the flushes announced."""
    tags = session.info.pop(_ANNOUNCED, None)
    if tags:
        for listener in _here():
            listener.tell(tags)


def _drop_announced(session) -> None:
    """Rolled back: PostgreSQL drops the notifications, and so does this process."""
    session.info.pop(_NOTED, None)
    session.info.pop(_ANNOUNCED, None)


# Where a session holds the tags of a flush until it is written, and then until it commits.
_NOTED = "klasgesprek.state_cache.noted"
_ANNOUNCED = "klasgesprek.state_cache.announced"


def _tag_of_run(instance: Run | Question) -> str | None:
    """The tag of a run, or of the run a question belongs to (its pages show the question)."""
    if isinstance(instance, Run):
        return run_tag(instance.id) if instance.id is not None else None
    run_id = instance.run_id if instance.run_id is not None else getattr(instance.run, "id", None)
    return run_tag(run_id) if run_id is not None else None


def _access_changed(user: User) -> bool:
    state = inspect(user)
    return any(state.attrs[name].history.has_changes() for name in ACCOUNT_ACCESS)


def _payloads(tags: list[str]) -> Iterable[str]:
    """The tags as few payloads as PostgreSQL takes."""
    payload = ""
    for tag in tags:
        if payload and len(payload) + len(tag) + 1 > PAYLOAD_BYTES:
            yield payload
            payload = ""
        payload = f"{payload} {tag}" if payload else tag
    if payload:
        yield payload


_NOTIFY = db.select(db.func.pg_notify(db.bindparam("channel"), db.bindparam("payload")))


def run_tag(run_id: int) -> str:
    """The name a run's rows are kept and forgotten under."""
    return f"r{run_id}"


def account_tag(user_id: int) -> str:
    """The name an account's rows are kept and forgotten under."""
    return f"u{user_id}"


def of_app(app: Flask) -> StateCache | None:
    """The app's cache in this process, made on first use; None on SQLite.

    The state polls (`classroom.fastpath`) and a phone's live page
    (`student.views.live`) keep their rows in it.
    """
    cache = app.extensions.get(_EXTENSION, _UNSET)
    if cache is _UNSET:
        with app.app_context():
            engine = db.engine
        cache = app.extensions.setdefault(_EXTENSION, for_engine(engine))
    return cache


_EXTENSION = "klasgesprek.state_cache"
_UNSET = object()


def for_engine(engine: Engine) -> StateCache | None:
    """A new cache, heard by its process's listener for the engine's database; None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    cache = StateCache()
    _listen_for(engine, cache)
    return cache


class StateCache:
    """Rows of runs and accounts as a worker last read them, trusted while its listener hears.

    A reader asks `ticket()` before reading a row from the database and hands the
    ticket to `keep()`: a notification or a lost connection in between makes the
    ticket void, so the row is not kept.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[Hashable, tuple] = {}
        self._keys_of: dict[str, set[Hashable]] = {}
        self._stamp = 0
        self._live = False

    @property
    def live(self) -> bool:
        """Whether the listener hears every change now, so that kept rows may be used."""
        return self._live

    def get(self, key: Hashable) -> tuple | None:
        """The kept row, or None (not kept, or not to be trusted now)."""
        return self._rows.get(key) if self._live else None

    def ticket(self) -> int | None:
        """Taken before a read from the database; None while rows may not be kept."""
        return self._stamp if self._live else None

    def keep(self, key: Hashable, row: tuple, ticket: int | None, tags: Iterable[str]) -> None:
        """Keep a row read after `ticket()`, unless something changed meanwhile."""
        if ticket is None:
            return
        with self._lock:
            if ticket != self._stamp or not self._live:
                return
            if len(self._rows) >= ROWS_KEPT:
                self._rows.clear()
                self._keys_of.clear()
            self._rows[key] = row
            for tag in tags:
                self._keys_of.setdefault(tag, set()).add(key)

    def forget(self, tags: Iterable[str]) -> None:
        """Drop the rows of these runs and accounts; void every ticket taken before."""
        with self._lock:
            self._stamp += 1
            for tag in tags:
                for key in self._keys_of.pop(tag, ()):
                    self._rows.pop(key, None)

    def reset(self, *, live: bool) -> None:
        """Drop every row and ticket; keep rows from now on only when `live`."""
        with self._lock:
            self._stamp += 1
            self._rows.clear()
            self._keys_of.clear()
            self._live = live


_listeners: dict[tuple[int, str], _Listener] = {}
_listeners_lock = threading.Lock()


def _listen_for(engine: Engine, cache: StateCache) -> None:
    """Have the process's listener for the engine's database tell the cache; start it first."""
    key = (os.getpid(), engine.url.render_as_string(hide_password=False))
    with _listeners_lock:
        listener = _listeners.get(key)
        if listener is None:
            listener = _listeners[key] = _Listener(key, engine)
            listener.start()
        listener.add(cache)


def _here() -> list[_Listener]:
    """The listeners of this process (a forked worker inherits its parent's dict, not threads)."""
    pid = os.getpid()
    with _listeners_lock:
        return [listener for key, listener in _listeners.items() if key[0] == pid]


class _Listener(threading.Thread):
    """LISTENs on the channel for one process and database, and tells every cache.

    It ends when no cache is left to tell (the apps that had them are gone, as in
    the tests, which make an app per test).
    """

    def __init__(self, key: tuple[int, str], engine: Engine) -> None:
        super().__init__(name="klasgesprek-state-listener", daemon=True)
        self._key = key
        self._engine = engine
        self._caches: weakref.WeakSet[StateCache] = weakref.WeakSet()
        self._caches_lock = threading.Lock()
        self._heard = False
        self._ping = f"ping {secrets.token_hex(8)}"

    def add(self, cache: StateCache) -> None:
        """Tell this cache from now on; it is live at once if the listener hears."""
        with self._caches_lock:
            self._caches.add(cache)
            cache.reset(live=self._heard)

    def tell(self, tags: Iterable[str]) -> None:
        """Make every cache of this listener forget the rows of these runs and accounts."""
        self._tell(tags=tags)

    def _tell(self, *, tags: Iterable[str] = (), heard: bool | None = None) -> None:
        with self._caches_lock:
            if heard is not None:
                self._heard = heard
            caches = list(self._caches)
        tags = list(tags)
        for cache in caches:
            if heard is not None:
                cache.reset(live=heard)
            else:
                cache.forget(tags)

    def _unused(self) -> bool:
        """Whether no cache is left; then this listener is gone from the registry."""
        with _listeners_lock, self._caches_lock:
            if len(self._caches):
                return False
            if _listeners.get(self._key) is self:
                del _listeners[self._key]
            return True

    def run(self) -> None:
        """Listen, and listen again whenever the connection is lost, while a cache is left."""
        failures = 0
        while not self._unused():
            connection = None
            try:
                connection = self._connect()
                failures = 0
                self._listen(connection)
            except Exception as error:  # any failure: stop trusting, then listen again
                if failures == 0:
                    logger.warning("State poll listener stopped hearing: %s", error)
            self._tell(heard=False)
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()
            time.sleep(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)])
            failures += 1

    def _connect(self):
        """A connection of its own, made as the app's pool makes them, listening."""
        pooled = self._engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()
        try:
            connection.autocommit = True
            connection.execute("SET application_name = 'klasgesprek-state-listener'")
            connection.execute(f"LISTEN {CHANNEL}")
        except Exception:
            connection.close()
            raise
        return connection

    def _listen(self, connection) -> None:
        """Hand on what is heard, trusted from the first heartbeat that comes back.

        Returns when no cache is left; raises when the connection fails or a
        heartbeat does not come back in time.
        """
        next_ping = time.monotonic()
        sent_at = None
        while True:
            now = time.monotonic()
            if sent_at is None and now >= next_ping:
                if self._unused():
                    return
                connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, self._ping))
                sent_at = now
            if sent_at is not None:
                remaining = sent_at + HEARD_WITHIN_SECONDS - now
                if remaining <= 0:
                    raise TimeoutError("its own notification did not come back in time")
            else:
                remaining = next_ping - now
            for note in connection.notifies(timeout=max(remaining, 0.0), stop_after=1):
                if self._handle(note.payload):
                    sent_at, next_ping = None, time.monotonic() + HEARTBEAT_SECONDS
                    if not self._heard:
                        self._tell(heard=True)

    def _handle(self, payload: str) -> bool:
        """Forget what a notification names; True for this listener's own heartbeat."""
        if payload == self._ping:
            return True
        if not payload.startswith("ping "):
            self._tell(tags=payload.split())
        return False
