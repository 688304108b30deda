"""Mail to staff (invitations, reset links, notices): plain text through Flask-Mailman.

The backend: `MAIL_BACKEND` when set; SMTP when `MAIL_SERVER` is set; in tests an
in-memory outbox; in debug mode the console (`make run` sets the console too);
otherwise SMTP on localhost:25. SMTP checks the server's certificate, with STARTTLS
as with SSL. docs/mail.md.
"""

from __future__ import annotations

import functools
import smtplib
import ssl
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMessage, Mail
from flask_mailman.backends.smtp import EmailBackend

mail = Mail()

# Mails sent after the answer: its time must not tell whether an account exists.
_background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")
_pending: set[Future] = set()
_pending_lock = threading.Lock()


class _VerifyingSMTP(smtplib.SMTP):
    """smtplib's SMTP whose STARTTLS always uses the given, certificate-checking context."""

    def __init__(self, *args, tls_context: ssl.SSLContext, **kwargs) -> None:
        self.tls_context = tls_context
        super().__init__(*args, **kwargs)

    def starttls(self, *_args, **_kwargs):
        """Start TLS; the server's certificate and host name must check out."""
        return super().starttls(context=self.tls_context)


class SMTPEmailBackend(EmailBackend):
    """Flask-Mailman's SMTP backend, but STARTTLS checks the server's certificate too.

    Flask-Mailman 1.1 starts TLS without a context, and Python then accepts any
    certificate: whoever sits between app and mail server would read reset links.
    """

    @functools.cached_property
    def ssl_context(self) -> ssl.SSLContext:
        """The system's trusted certificates, and MAIL_SSL_CERTFILE/KEYFILE when set."""
        context = ssl.create_default_context()
        if self.ssl_certfile or self.ssl_keyfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context

    @property
    def connection_class(self):
        """SMTP over SSL, or SMTP whose STARTTLS checks as SSL does."""
        if self.use_ssl:
            return smtplib.SMTP_SSL
        return functools.partial(_VerifyingSMTP, tls_context=self.ssl_context)


def init_app(app: Flask) -> None:
    """Choose the backend and bind Flask-Mailman to the app."""
    if not app.config.get("MAIL_BACKEND"):
        app.config["MAIL_BACKEND"] = _default_backend(app)
    if app.config["MAIL_BACKEND"] == "smtp":
        app.config["MAIL_BACKEND"] = f"{__name__}.SMTPEmailBackend"
    mail.init_app(app)


def _default_backend(app: Flask) -> str:
    if app.config.get("MAIL_SERVER"):
        return "smtp"
    if app.testing:
        return "locmem"
    return "console" if app.debug else "smtp"


def compose(to: str, template: str, language: str | None = None, **context) -> EmailMessage:
    """A plain-text mail from a template whose first line is the subject, in the language."""
    _warn_about_hosts_once()
    language = language or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        text = render_template(template, **context)
    subject, _newline, body = text.strip().partition("\n")
    return EmailMessage(subject=subject.strip(), body=body.strip() + "\n", to=[to])


def _warn_about_hosts_once() -> None:
    """Links take the request's host: a real server should accept only its own names."""
    app = current_app
    if app.extensions.get("mail_hosts_warned") or app.debug or app.testing:
        return
    real = str(app.config["MAIL_BACKEND"]).endswith("SMTPEmailBackend")
    if real and app.config.get("TRUSTED_HOSTS") is None:
        app.extensions["mail_hosts_warned"] = True
        app.logger.warning(
            "Links in mails take the host of the request they answer: set TRUSTED_HOSTS "
            "to this site's host name (docs/mail.md)."
        )


def send_now(message: EmailMessage) -> bool:
    """Send at once; False (and a line in the log) when the mail server refused or was away."""
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.error("A mail could not be sent: %s: %s", type(error).__name__, error)
        return False
    return True


def send_later(message: EmailMessage) -> None:
    """Send after the response, in a background thread of this process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def send() -> None:
        with app.app_context():
            send_now(message)

    future = _background.submit(send)
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def wait_for_mails(timeout: float = 30) -> None:
    """Wait until the mails handed to the background have been sent or given up."""
    with _pending_lock:
        pending = set(_pending)
    wait_for(pending, timeout=timeout)
