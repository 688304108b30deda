"""Where the rate limits are counted: several gunicorn workers need a shared storage, and a
shared storage that goes down and comes back is said in the log, once each way."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
from servers import free_port, server_env, start_gunicorn, stop_all

from classroom.extensions import limiter
from classroom.ratelimits import workers_may_serve

REDIS_SERVER = shutil.which("redis-server")
REDIS = ("127.0.0.1", 6379)
REFUSED = "Not starting: with 2 workers and RATELIMIT_STORAGE_URI=memory://"
PER_WORKER = "Rate limits count per worker (RATELIMIT_PER_WORKER_OK)"
DOWN = "Rate limit storage unreachable"
BACK = "Rate limit storage reachable again"


def test_only_a_server_of_several_workers_on_memory_storage_is_refused(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    app.config["RATELIMIT_ENABLED"] = True
    assert workers_may_serve(app, 2)  # a test app
    app.testing = False
    assert workers_may_serve(app, 1)
    assert not workers_may_serve(app, 2)
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
    assert workers_may_serve(app, 4)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    app.config["RATELIMIT_PER_WORKER_OK"] = True
    assert workers_may_serve(app, 4)
    app.debug = True
    app.config["RATELIMIT_PER_WORKER_OK"] = False
    assert workers_may_serve(app, 4)
    assert workers_may_serve(object(), 4)  # not this app: gunicorn.conf.py leaves it alone


def redis_available() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def _server_settings(tmp_path, **settings: str) -> dict[str, str]:
    """A production environment on a SQLite file of its own (the app's tables need not exist)."""
    wanted = {"FLASK_RATELIMIT_PER_WORKER_OK": "false", **settings}
    return server_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'limits.sqlite'}",
        FLASK_SECRET_KEY="limit-storage-test-key",
        **wanted,
    )


@pytest.mark.server
def test_two_gunicorn_workers_on_memory_storage_refuse_to_start(tmp_path):
    server = start_gunicorn(_server_settings(tmp_path), tmp_path / "refused.log", workers=2)
    try:
        status = server.process.wait(timeout=60)
    finally:
        stop_all([server], timeout=10)
    log = server.log()
    # gunicorn stops with 3, "Worker failed to boot."; when the second worker's exit reaches
    # the master while it stops, gunicorn's own halt raises again and the status is 1.
    assert status in (1, 3), log
    assert REFUSED in log
    assert "RATELIMIT_STORAGE_URI=redis://" in log and "RATELIMIT_PER_WORKER_OK=true" in log
    assert "Worker failed to boot." in log


@pytest.mark.server
def test_gunicorn_starts_with_one_worker_or_per_worker_limits_accepted_and_says_so(tmp_path):
    accepted = _server_settings(tmp_path, FLASK_RATELIMIT_PER_WORKER_OK="true")
    servers = [
        start_gunicorn(_server_settings(tmp_path), tmp_path / "one.log", workers=1),
        start_gunicorn(accepted, tmp_path / "accepted.log", workers=2),
    ]
    try:
        for server in servers:
            server.wait_until_up("/readyz")  # the app's tables need not exist
    finally:
        stop_all(servers, timeout=10)
    one, accepted_log = (server.log() for server in servers)
    assert REFUSED not in one and PER_WORKER not in one
    # Each worker says it at start, as an error.
    assert accepted_log.count(PER_WORKER) == 2, accepted_log
    assert "ERROR in ratelimits" in accepted_log


@pytest.mark.server
@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_two_gunicorn_workers_with_redis_start_without_a_word(tmp_path):
    settings = _server_settings(tmp_path, FLASK_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    server = start_gunicorn(settings, tmp_path / "redis.log", workers=2)
    try:
        server.wait_until_up("/readyz")  # the app's tables need not exist
    finally:
        stop_all([server], timeout=10)
    assert REFUSED not in server.log() and PER_WORKER not in server.log()


class RedisServer:
    """A redis-server of this test's own on a free port, stopped and started again at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it and wait until it answers."""
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        """Stop it; what it held is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis():
    if REDIS_SERVER is None:
        pytest.skip("no redis-server")
    redis = RedisServer(free_port())
    redis.start()
    yield redis
    redis.stop()


def _records(caplog, app, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == app.logger.name and text in r.getMessage()]


@pytest.mark.server
def test_redis_going_down_and_coming_back_is_logged_once_each_way(
    app, own_redis, make_user, caplog
):
    app.config.update(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{own_redis.port}/0"
    )
    limiter.init_app(app)
    user = make_user("teacher")
    wrong = {"email": user["email"], "password": "wrong password"}
    client = app.test_client()
    with caplog.at_level(logging.INFO):
        assert client.post("/auth/login", data=wrong).status_code == 401
        own_redis.stop()
        # The app goes on and the limits hold, in this process's memory, from zero: the
        # failure counted in Redis is not there. The log line says so.
        statuses = [client.post("/auth/login", data=wrong).status_code for _ in range(11)]
        assert statuses == [401] * 10 + [429]
        assert client.get("/j/123456789").status_code == 404
        down = _records(caplog, app, DOWN)
        assert len(down) == 1 and down[0].levelno == logging.ERROR
        assert "failed logins per account too" in down[0].getMessage()
        assert "starting from zero" in down[0].getMessage()
        own_redis.start()
        # Flask-Limiter tries the storage again after 1, 2, 4 … 32 seconds.
        deadline = time.monotonic() + 75
        while not _records(caplog, app, BACK) and time.monotonic() < deadline:
            client.get("/j/123456789")
            time.sleep(0.25)
        for _ in range(5):
            assert client.get("/j/123456789").status_code == 404
    back = _records(caplog, app, BACK)
    assert len(back) == 1 and back[0].levelno == logging.WARNING
    assert len(_records(caplog, app, DOWN)) == 1
    assert not limiter.counting_in_memory()
