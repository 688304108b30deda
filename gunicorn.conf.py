"""gunicorn's settings, read from the directory it starts in: this checkout (docs/deployment.md)."""

import re
import sys
import urllib.parse

from gunicorn import glogging
from gunicorn.arbiter import Arbiter

# Threads in every worker (docs/deployment.md): while one waits for the database (a write
# lock another process holds, a round trip to PostgreSQL), the others go on serving, so a
# stuck write stalls no state poll or page. `--threads` or `--worker-class` override this.
worker_class = "gthread"
threads = 4

# The access log (off unless `--access-logfile` is given): time, request line, status,
# bytes, milliseconds. No address and no user agent (docs/deployment.md); the logger
# below hides join codes, tokens and query values in whatever format is set.
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'

# The path segment after these is a join code (/j/…, /live/…), a token (invitations,
# password resets) or a stored answer's random key (moderation, which the log would date);
# tests/test_access_log.py holds this to the app's routes.
SECRET_SEGMENT = re.compile(r"(/(j|live|auth/+invite|auth/+reset|answers)/+)[^/]+", re.IGNORECASE)
SECRET_NAMES = {"j": "[code]", "live": "[code]", "answers": "[answer]"}
# gunicorn's atoms that hold a request line, a path or a whole URL; a query; a secret.
URL_ATOMS = ("r", "U", "f", "{raw_uri}e", "{path_info}e", "{referer}i", "{http_referer}e")
QUERY_ATOMS = ("q", "{query_string}e")
HIDDEN_ATOMS = ("{cookie}i", "{http_cookie}e", "{authorization}i", "{http_authorization}e")


def masked_query(query: str) -> str:
    """The query with its names kept and every value hidden: `t=[hidden]&next=[hidden]`."""
    if not query:
        return query
    items = (item.partition("=") for item in query.split("&"))
    return "&".join(f"{name}=[hidden]" if equals else "[hidden]" for name, equals, _ in items)


def masked_url(text: str) -> str:
    """A URL, a path or a whole request line with join codes, tokens and query values hidden."""
    return " ".join(_masked_part(part) for part in text.split(" "))


def _masked_part(url: str) -> str:
    path, question_mark, query = url.partition("?")

    def hide(found: re.Match) -> str:
        return found[1] + SECRET_NAMES.get(found[2].lower(), "[token]")

    path = SECRET_SEGMENT.sub(hide, urllib.parse.unquote(path))
    return path + question_mark + masked_query(query)


class MaskingLogger(glogging.Logger):
    """gunicorn's logger without join codes, tokens or query values, in any log format."""

    def atoms(self, resp, req, environ, request_time) -> dict:
        """gunicorn's atoms with the URLs masked and cookies and credentials left out."""
        atoms = super().atoms(resp, req, environ, request_time)
        for name in URL_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = masked_url(atoms[name])
        for name in QUERY_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = masked_query(atoms[name])
        for name in HIDDEN_ATOMS:
            if name in atoms:
                atoms[name] = "-"
        return atoms

    def exception(self, msg, *args, **kwargs) -> None:
        """gunicorn's "Error handling request /live/CODE", with the URL masked."""
        args = tuple(masked_url(arg) if isinstance(arg, str) else arg for arg in args)
        super().exception(msg, *args, **kwargs)


logger_class = MaskingLogger


def post_worker_init(worker) -> None:
    """Stop gunicorn when its workers would each count the rate limits alone (docs/deployment.md).

    A worker that exits with this status before it serves makes the master stop too.
    """
    from classroom.ratelimits import workers_may_serve

    if not workers_may_serve(worker.wsgi, worker.cfg.workers):
        sys.exit(Arbiter.WORKER_BOOT_ERROR)
