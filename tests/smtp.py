"""A real SMTP server for the tests (aiosmtpd) on a free port of 127.0.0.1.

It keeps every message it accepts, parsed, so a test reads the mail a person would
get. Used by tests/test_mail.py, tests/test_password_reset.py and the browser suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from servers import free_port

LINK = re.compile(r"https?://\S+/auth/(?:reset|invite)/[A-Za-z0-9_-]+")


@dataclass
class Delivered:
    """One accepted mail: the envelope's recipients and the parsed message."""

    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        """The plain-text body."""
        return self.message.get_body(("plain",)).get_content()

    @property
    def subject(self) -> str:
        """The decoded subject."""
        return str(self.message["Subject"])

    def link(self) -> str:
        """The reset or invitation link in the body; fails when there is none."""
        found = LINK.findall(self.text)
        assert len(found) == 1, self.text
        return found[0]


class Inbox:
    """The aiosmtpd handler: stores what arrives; `delay` holds every DATA that long."""

    def __init__(self) -> None:
        self.delivered: list[Delivered] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        """Accept the message (after `delay` seconds) and keep it."""
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.delivered.append(Delivered(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Delivered]:
        """The mails delivered to this address so far, oldest first."""
        with self._lock:
            return [d for d in self.delivered if address.lower() in map(str.lower, d.recipients)]

    def wait_for(self, address: str, count: int = 1, timeout: float = 15) -> list[Delivered]:
        """Wait until `count` mails to the address have arrived; fail after `timeout` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := self.to(address)) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"no {count} mail(s) to {address} in {timeout} s: {self.delivered}")

    def clear(self) -> None:
        """Forget what arrived so far."""
        with self._lock:
            self.delivered.clear()


class SMTPServer:
    """aiosmtpd in a thread of its own, on 127.0.0.1 only."""

    def __init__(self, **controller_options) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **controller_options
        )

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.controller.stop()

    def settings(self) -> dict[str, object]:
        """The app settings that send to this server."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port}


@contextlib.contextmanager
def sending_to_smtp(app, **controller_options):
    """A real SMTP server, with the app's mail going to it for the block."""
    from classroom.mail import init_app, wait_for_mails

    with SMTPServer(**controller_options) as server:
        app.config.update(MAIL_BACKEND="smtp", **server.settings())
        init_app(app)
        try:
            yield server
        finally:
            wait_for_mails()
