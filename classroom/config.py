"""Default settings. Secrets never live here: see `load_secret_key`."""

from pathlib import Path

SQLALCHEMY_DATABASE_URI = "sqlite:///classroom.sqlite"
SQLALCHEMY_ENGINE_OPTIONS: dict = {}
LESSONS_DIR = str(Path(__file__).resolve().parent.parent / "lessons")

BABEL_DEFAULT_LOCALE = "nl"
BABEL_TRANSLATION_DIRECTORIES = "translations"
LANGUAGES = ("nl", "en")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
WTF_CSRF_TIME_LIMIT = None  # a lesson can outlast the default hour

# Smallest number of answers before any result is shown; schools may raise it.
MIN_ANSWERS_DEFAULT = 5
MIN_ANSWERS_FLOOR = 3
OPEN_TEXT_MAX_LENGTH = 280
# How often a waiting page asks "anything new?", in milliseconds.
POLL_INTERVAL_MS = 2000
