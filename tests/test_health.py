"""/healthz says whether this instance can store answers; /readyz whether it can serve."""

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATABASE_URL, app_with_schema, make_test_app, shared_database_url
from servers import ROOT
from sqlalchemy import event

from classroom.extensions import db

ON_POSTGRES = DATABASE_URL.startswith("postgresql")


@pytest.fixture
def file_app(tmp_path):
    """The app on a database file (or PostgreSQL): a second connection can get in its way."""
    with app_with_schema(
        SQLALCHEMY_DATABASE_URI=shared_database_url(tmp_path / "health.sqlite")
    ) as app:
        yield app


@contextlib.contextmanager
def read_only(app):
    """New connections take no writes (a read-only file, a standby); held ones are closed."""
    with app.app_context():
        engine = db.engine

    def no_writes(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if ON_POSTGRES:
            cursor.execute("SET default_transaction_read_only = on")
            dbapi_connection.commit()
        else:
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    event.listen(engine, "connect", no_writes)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", no_writes)
        engine.dispose()


def test_healthz_and_readyz_answer_ok_without_a_cookie_or_a_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready"}
    assert "Set-Cookie" not in response.headers


def test_healthz_and_readyz_answer_503_when_the_database_cannot_be_reached(tmp_path):
    unreachable = f"sqlite:///{tmp_path}/no-such-folder/db.sqlite"
    app = make_test_app(SQLALCHEMY_DATABASE_URI=unreachable)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "reason": "database unreachable"}
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "reason": "database unreachable"}


def test_healthz_answers_503_when_the_database_takes_no_writes(file_app):
    client = file_app.test_client()
    with read_only(file_app):
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json == {"status": "unavailable", "reason": "database not writable"}
        assert client.get("/readyz").status_code == 200  # it still serves what it reads
    assert client.get("/healthz").status_code == 200


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock")
def test_healthz_answers_503_soon_while_another_process_holds_the_write_lock(file_app):
    client = file_app.test_client()
    assert client.get("/healthz").status_code == 200
    holder = sqlite3.connect(file_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        assert time.monotonic() - started < 2.5
        assert response.status_code == 503
        assert response.json["reason"] == "database not writable"
        assert client.get("/readyz").status_code == 200
    finally:
        holder.rollback()
        holder.close()
    assert client.get("/healthz").status_code == 200


def test_healthz_answers_503_when_the_disk_is_almost_full(file_app):
    client = file_app.test_client()
    # More free space than any disk has: as if the disk of the database were full.
    file_app.config["HEALTH_MIN_FREE_MB"] = 10**12
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "reason": "disk almost full"}
    assert client.get("/readyz").status_code == 200
    file_app.config["HEALTH_MIN_FREE_MB"] = 1
    assert client.get("/healthz").status_code == 200


def test_readyz_answers_503_while_the_instance_drains(app, client):
    draining = Path(app.instance_path) / "draining"
    draining.touch()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json == {"status": "draining"}
        assert client.get("/healthz").status_code == 200
    finally:
        draining.unlink()
    assert client.get("/readyz").status_code == 200


def test_web_server_workers_load_neither_migrations_nor_sign_on_libraries(tmp_path):
    # Each of 4 workers would hold about 26 MiB more (docs/performance.md, memory).
    heavy = ("alembic", "authlib", "requests", "cryptography")
    script = f"import sys, wsgi; print(','.join(name for name in {heavy!r} if name in sys.modules))"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/app.sqlite"}
    env["FLASK_SECRET_KEY"] = "test"
    result = subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
