"""Real servers for the tests that need them: free ports, gunicorn start and stop.

Used by tests/test_faults.py, tests/test_two_instances.py, tests/test_shared_limits.py,
tests/test_load_balancer.py, tests/test_access_log.py, tests/browser/conftest.py and
bench/run.py. A server binds 127.0.0.1 only, in a process group of its own, so that
stopping it stops its workers too.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30  # seconds for gunicorn to answer its first request


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(**settings: str) -> dict[str, str]:
    """This process's environment without stray app settings, plus the given ones.

    The servers speak plain HTTP on loopback, so the session cookie may not be Secure.
    Their workers count rate limits each for themselves unless a test sets Redis
    (gunicorn.conf.py refuses that without RATELIMIT_PER_WORKER_OK).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FLASK_") and key not in ("DATABASE_URL", "TEST_DATABASE_URL")
    }
    env.update(FLASK_SESSION_COOKIE_SECURE="false", PYTHONUNBUFFERED="1")
    env.update(FLASK_RATELIMIT_PER_WORKER_OK="true")
    env.update(settings)
    return env


def _has_control_socket() -> bool:
    """Whether this gunicorn has a control socket (newer versions do), which can be switched off."""
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


def deployed_workers() -> list[str]:
    """gunicorn's options for the worker class and threads that gunicorn.conf.py sets."""
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return ["--worker-class", settings["worker_class"], "--threads", str(settings["threads"])]


@dataclass
class Gunicorn:
    """One gunicorn on 127.0.0.1 with its log file."""

    process: subprocess.Popen
    port: int
    workers_wanted: int
    log_path: Path

    @property
    def base(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def log(self, since: int = 0) -> str:
        """What the server logged, from byte `since` on."""
        return self.log_path.read_bytes()[since:].decode(errors="replace")

    def log_size(self) -> int:
        """The size of the log so far, to read only what comes after."""
        return self.log_path.stat().st_size

    def wait_until_up(self, path: str = "/healthz", timeout: float = START_TIMEOUT) -> None:
        """Wait until the server answers the path without a server error, or fail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited early:\n{self.log()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    connection.request("GET", path)
                    if connection.getresponse().status < 500:
                        return
                finally:
                    connection.close()
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer {path} in {timeout:.0f} s:\n{self.log()}")

    def stop(self, timeout: float = 30) -> None:
        """Stop gracefully; kill the process group if it lingers."""
        stop_all([self], timeout)


def start_gunicorn(
    env: dict[str, str],
    log_path: Path,
    *,
    workers: int = 2,
    threads: int | None = None,
    target: str = "wsgi:app",
    cwd: Path = ROOT,
    options: tuple[str, ...] = (),
    port: int | None = None,
) -> Gunicorn:
    """Start gunicorn as in production: the worker class and threads of gunicorn.conf.py, in
    any folder (the benchmark's floor too), unless `threads` says: 1 for sync workers,
    more for gthread with that many.

    On a free port, or on `port` (an instance started again behind a load balancer).
    """
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), *options]
    if _has_control_socket():
        # No control socket in ~/.gunicorn, shared with every other gunicorn on the machine.
        command.append("--no-control-socket")
    if threads is None:
        command += deployed_workers()
    elif threads == 1:
        command += ["--worker-class", "sync"]
    else:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    command.append(target)
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command line
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Gunicorn(process, port, workers, log_path)


def stop_all(servers: list[Gunicorn], timeout: float = 30) -> None:
    """Stop them gracefully, all at once; kill a process group that does not go."""
    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
        # Any worker that outlived its master goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)


def self_signed_certificate() -> tuple[bytes, bytes]:
    """A self-signed certificate for 127.0.0.1, usable as its own CA: (key PEM, certificate PEM)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)
