"""HTTP headers on every response, secure cookies by default, and input that is refused."""

import ipaddress
import os
import shlex
import sys

from flask import Flask, Response, request
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import render_error

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    """Register the security headers; trust exactly the configured number of proxies."""
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _secure_cookies_by_default(app)
    app.before_request(_refuse_nul_characters)
    app.after_request(set_security_headers)


def _secure_cookies_by_default(app: Flask) -> None:
    """Cookies only over HTTPS, unless set otherwise or in debug mode; warn about plain HTTP."""
    local = app.debug or app.testing
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = not local
    if app.config["SESSION_COOKIE_SECURE"] and not local and not _proxy_or_tls(app):
        exposed = [host for host in bound_hosts() if not _is_loopback(host)]
        if exposed:
            app.logger.warning(
                "Serving plain HTTP on %s: browsers send the secure session cookie only over "
                "HTTPS. Put a TLS proxy in front and set TRUSTED_PROXY_HOPS (docs/deployment.md).",
                ", ".join(exposed),
            )


def _proxy_or_tls(app: Flask) -> bool:
    """Whether a proxy in front (which terminates TLS) or a certificate is configured."""
    arguments = _server_arguments()
    return bool(app.config["TRUSTED_PROXY_HOPS"]) or any(
        a.startswith(("--certfile", "--cert")) for a in arguments
    )


def _server_arguments() -> list[str]:
    return [*sys.argv[1:], *shlex.split(os.environ.get("GUNICORN_CMD_ARGS", ""))]


def bound_hosts() -> list[str]:
    """The hosts gunicorn (`-b`, `--bind`) or `flask run` (`-h`, `--host`) listen on."""
    arguments = _server_arguments()
    hosts = []
    for index, argument in enumerate(arguments):
        name, equals, value = argument.partition("=")
        if name not in ("-b", "--bind", "--host", "-h"):
            continue
        if not equals:
            value = arguments[index + 1] if index + 1 < len(arguments) else ""
        if name in ("-b", "--bind"):
            if value.startswith(("unix:", "fd://")):
                continue
            value = value.rpartition(":")[0] if ":" in value else value
        hosts.append(value.strip("[]"))
    return [host for host in hosts if host]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse_nul_characters():
    """A NUL character is never valid input (PostgreSQL cannot even store it): a 400."""
    values = [*request.args.keys(), *request.args.values()]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in value for value in values):
        return render_error(400, _("The form held a character that is not allowed."))
    return None


def set_security_headers(response: Response) -> Response:
    """Add the headers every response carries (also used by the student fast path)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Join codes travel in URLs: never hand them to another site.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    return response
