"""A real OpenID Connect provider for the sign-on tests: `tests/oidc/server.js` in node.

It needs node and `npm ci --prefix tests/oidc`. Without them the tests skip, except in CI
(`CI` set), where they fail, as the browser suite does.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "klasgesprek"
CLIENT_SECRET = "test-client-secret-0123456789"
OTHER_CLIENT_ID = "another-app"
OTHER_CLIENT_SECRET = "another-app-secret-0123456789"
CALLBACK = "http://klas.test/signon/callback"
OTHER_CALLBACK = "http://other-app.test/callback"

# Accounts at the provider; school A's domain is school-a.test.
ACCOUNTS = [
    {"sub": "sub-teacher", "email": "teacher@school-a.test", "email_verified": True},
    {"sub": "sub-unverified", "email": "unverified@school-a.test", "email_verified": False},
    {"sub": "sub-other-school", "email": "teacher@school-b.test", "email_verified": True},
    {"sub": "sub-new", "email": "new@school-a.test", "email_verified": True},
    {"sub": "sub-invited", "email": "invited@school-a.test", "email_verified": True},
    {"sub": "sub-gone", "email": "gone@school-a.test", "email_verified": True},
    {"sub": "sub-docent", "email": "docent@demo.klasgesprek.nl", "email_verified": True},
]


def in_ci() -> bool:
    """Tell whether this is a CI run, where the provider tests may never skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable_reason() -> str | None:
    """Say why the provider cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node not found: install Node.js 20 or later to run the sign-on tests"
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        return "oidc-provider missing: run `npm ci --prefix tests/oidc`"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Provider:
    """A running test provider: its issuer URL and its test hooks."""

    url: str
    process: subprocess.Popen = field(repr=False)
    log_path: Path

    def publish_keys(self, mode: str) -> None:
        """'published' shows the signing key in the JWKS, 'foreign' an unrelated one."""
        requests.post(f"{self.url}/__test/jwks", data=mode, timeout=5).raise_for_status()

    def set_clock(self, offset_seconds: int) -> None:
        """Put the provider's clock off by this many seconds (0: right again)."""
        requests.post(f"{self.url}/__test/clock", data=str(offset_seconds), timeout=5)

    def log(self) -> str:
        """What the provider printed."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the provider process."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_provider(folder: Path, redirect_uris: list[str]) -> Provider:
    """Start the provider on a free port with the test clients and accounts."""
    if reason := unavailable_reason():
        if in_ci():
            pytest.fail(f"CI must run the sign-on tests, but: {reason}", pytrace=False)
        pytest.skip(reason)
    port = free_port()
    config = {
        "port": port,
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": redirect_uris,
                "post_logout_redirect_uris": [],
            },
            {
                "client_id": OTHER_CLIENT_ID,
                "client_secret": OTHER_CLIENT_SECRET,
                "redirect_uris": [OTHER_CALLBACK],
            },
        ],
        "accounts": [{**a, "name": a["email"].split("@")[0].title()} for a in ACCOUNTS],
    }
    config_path = folder / f"provider-{port}.json"
    config_path.write_text(json.dumps(config))
    log_path = folder / f"provider-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            ["node", str(OIDC_DIR / "server.js"), str(config_path)],  # noqa: S607
            cwd=OIDC_DIR,
            stdout=log,
            stderr=log,
        )
    provider = Provider(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the provider did not start:\n{provider.log()}", pytrace=False)
        try:
            discovery = f"{provider.url}/.well-known/openid-configuration"
            if requests.get(discovery, timeout=2).status_code == 200:
                return provider
        except requests.ConnectionError:
            time.sleep(0.1)
    provider.stop()
    pytest.fail(f"the provider did not answer in 30 s:\n{provider.log()}", pytrace=False)


@pytest.fixture(scope="session", name="provider")
def provider_fixture(tmp_path_factory):
    """One provider for the whole session, for the app's test client (klas.test)."""
    running = start_provider(tmp_path_factory.mktemp("oidc"), [CALLBACK])
    yield running
    running.stop()


def log_in_at_provider(session: requests.Session, provider_url: str, url: str, email: str) -> str:
    """Follow the provider's pages as a browser would, logging in as `email` on its form.

    Returns the first address outside the provider it sends the browser to (the callback).
    """
    for _step in range(12):
        response = session.get(url, allow_redirects=False, timeout=10)
        if not response.is_redirect:
            action = re.search(r'action="([^"]+)"', response.text)
            assert action, f"no login form at the provider: {response.status_code} {response.text}"
            response = session.post(
                urljoin(url, action[1]), data={"email": email}, allow_redirects=False, timeout=10
            )
            assert response.is_redirect, f"login refused: {response.status_code} {response.text}"
        url = urljoin(url, response.headers["Location"])
        if not url.startswith(provider_url + "/"):
            return url
    raise AssertionError("the provider did not send the browser back")
