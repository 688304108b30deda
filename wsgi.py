"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from classroom import create_app

# Migrations run before the server starts (`flask db upgrade`), never in its workers.
app = create_app(migrations=False)
