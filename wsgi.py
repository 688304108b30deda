"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from classroom import create_app

app = create_app()
