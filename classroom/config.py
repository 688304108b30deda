"""Default settings. Secrets never live here: see `load_secret_key`."""

from pathlib import Path

from . import vocabulary

SQLALCHEMY_DATABASE_URI = "sqlite:///classroom.sqlite"
# Database errors must not carry answers or tokens into logs. No `pool_pre_ping`: its
# round trip per request would double a phone page's round trips on PostgreSQL; a
# connection the server closed is replaced at checkout without one (extensions.py).
SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
LESSONS_DIR = str(Path(__file__).resolve().parent.parent / "lessons")

BABEL_DEFAULT_LOCALE = vocabulary.DEFAULT_LANGUAGE
BABEL_TRANSLATION_DIRECTORIES = "translations"
# The interface languages a browser may choose: the lessons' own.
LANGUAGES = vocabulary.LANGUAGES

SESSION_COOKIE_HTTPONLY = True
# None: secure (sent over HTTPS only) unless in debug mode or tests; see security.py.
SESSION_COOKIE_SECURE = None
REMEMBER_COOKIE_SECURE = None
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
WTF_CSRF_TIME_LIMIT = None  # a lesson can outlast the default hour
# Flask-WTF refuses a form over HTTPS without a Referer of this host, but the pages'
# `Referrer-Policy: no-referrer` keeps browsers from sending one: behind an HTTPS proxy
# (TRUSTED_PROXY_HOPS) every form failed. The token and the SameSite cookie protect.
WTF_CSRF_SSL_STRICT = False

# Smallest number of answers before any result is shown; schools may raise it.
MIN_ANSWERS_DEFAULT = 5
MIN_ANSWERS_FLOOR = 3
OPEN_TEXT_MAX_LENGTH = 280
# A lesson left running ends by itself this long after it started.
RUN_MAX_HOURS = 12
# A paused lesson (between two sessions) ends by itself this many days after the pause.
RUN_PAUSED_MAX_DAYS = 21
# How long a request waits for SQLite's write lock while another connection holds it,
# then gives up with a 503 and Retry-After (the phone sends its answer again); once a
# wait ran out, a worker's requests give up at once until one writes again, so waiting
# workers never stall the reads (extensions.py). Commands (the CLI) wait 5 s.
SQLITE_REQUEST_BUSY_TIMEOUT_MS = 1000
# /healthz answers 503 when less than this many MiB are free for the database or instance/.
HEALTH_MIN_FREE_MB = 200

# How often a waiting page asks "anything new?", in milliseconds.
POLL_INTERVAL_MS = 2000

# memory:// counts per process; several workers or instances need redis://… (docs/deployment.md).
RATELIMIT_STORAGE_URI = "memory://"
# gunicorn refuses several workers on memory:// unless this accepts per-worker limits.
RATELIMIT_PER_WORKER_OK = False
RATELIMIT_HEADERS_ENABLED = True
# A shared storage (Redis) that is down: count in this process and log it once.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_SWALLOW_ERRORS = True
# Failed logins per address and account, and per address over all accounts (docs/security.md).
LOGIN_FAILURE_LIMIT = "10 per minute"
LOGIN_ADDRESS_LIMIT = "30 per minute; 300 per day"
# Wrong join codes over every route that takes a code, per browser (a signed id in its
# cookie) and per address, which a whole school may share (docs/join-codes.md).
JOIN_BROWSER_LIMIT = "30 per 10 minutes; 300 per day"
JOIN_FAILURE_LIMIT = "1000 per 10 minutes; 10000 per day"
# "Forgot your password?" per typed address (account) and per address it comes from.
FORGOT_ACCOUNT_LIMIT = "5 per hour"
FORGOT_ADDRESS_LIMIT = "20 per hour"
# Nothing a user sends is this big; larger bodies are refused before they are read.
MAX_CONTENT_LENGTH = 1024 * 1024
MAX_FORM_MEMORY_SIZE = 512 * 1024

# werkzeug's method for new password hashes; only the tests choose a cheap one.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password

# Staff sessions end after this long without a request, and this long after login.
SESSION_IDLE_MINUTES = 120
SESSION_ABSOLUTE_HOURS = 12

# Reverse proxies in front of the app whose X-Forwarded-* headers are believed.
TRUSTED_PROXY_HOPS = 0

# Sign-on providers on private, loopback or link-local addresses (and over http): None means
# allowed in debug mode only; `make run` and the tests allow them (docs/sign-on.md).
SIGNON_ALLOW_PRIVATE_ISSUERS = None
# The DNS server ("host:port") asked for the schools' domain records; None: the system's.
SIGNON_DNS_NAMESERVER = None

# Mail (docs/mail.md): MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS or MAIL_USE_SSL,
# MAIL_USERNAME and MAIL_PASSWORD come from instance/config.py or FLASK_MAIL_* variables.
MAIL_DEFAULT_SENDER = "Klasgesprek <klasgesprek@localhost>"
# Seconds to wait for the mail server before giving up on a mail.
MAIL_TIMEOUT = 10
