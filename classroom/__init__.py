"""Klasgesprek: classroom conversations with anonymous live polls."""

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from .errors import QuietFlask


def create_app(test_config: dict[str, Any] | None = None, *, migrations: bool = True) -> Flask:
    """Build the app: config, extensions, blueprints, error handlers, CLI.

    A web server passes `migrations=False`: it runs no `flask db` command (wsgi.py).
    """
    app = QuietFlask(__name__, instance_relative_config=True)
    app.config.from_object("classroom.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if database_url := os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    if test_config is not None:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))

    from . import converters, errors, extensions, mail, numbers, questions, security

    extensions.init_app(app, migrations=migrations)
    mail.init_app(app)
    converters.init_app(app)
    numbers.init_app(app)
    questions.init_app(app)
    _register_blueprints(app)
    errors.init_app(app)
    # Every speed-up that leans on the framework, in one place: the state polls answered
    # in front of Flask (kept per worker on PostgreSQL), the caches in front of
    # Flask-Babel, WTForms and the session, the rate limiter's filters asked first. One
    # whose private names a new release removed is left out, and the log says so
    # (docs/development.md). security.init_app then puts ProxyFix in front of it all.
    from . import speedups

    speedups.install(app)
    security.init_app(app)

    from . import cli

    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .accounts import bp as accounts_bp
    from .authoring import bp as authoring_bp
    from .booth import bp as booth_bp
    from .coordination import bp as coordination_bp
    from .lessons import bp as lessons_bp
    from .main import bp as main_bp
    from .polls import bp as polls_bp
    from .programmes import bp as programmes_bp
    from .reports import bp as reports_bp
    from .signon import bp as signon_bp
    from .student import bp as student_bp

    blueprints = (
        main_bp,
        accounts_bp,
        lessons_bp,
        authoring_bp,
        polls_bp,
        booth_bp,
        student_bp,
        coordination_bp,
        reports_bp,
        programmes_bp,
        signon_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def _instance_secret_key(instance: Path) -> str:
    """Read the key from instance/secret_key, creating it once on first run."""
    path = instance / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        key = secrets.token_hex(32)
        file.write(key)
    return key
