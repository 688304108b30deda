"""The floor: the least a Flask + Flask-SQLAlchemy app can do per request.

One endpoint inserts one row, one returns a tiny response, and one renders a
Jinja page about the size of the student's question page (a base template, a
form with Flask-WTF's CSRF token from the signed session cookie, about 5 KB).
The benchmark runs
it under the same gunicorn settings as Klasgesprek and divides by it, so the
figures say how close the real endpoints come to what the stack allows on
this machine. SQLite gets the same PRAGMAs as the app (WAL, synchronous=NORMAL,
busy_timeout), so that the floor is not slowed by an fsync per commit.

Run: DATABASE_URL=sqlite:////tmp/floor.sqlite gunicorn --chdir bench floor:app
"""

import os
import sqlite3
from typing import Any

from flask import Flask, render_template, request
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Plain declarative base."""


db = SQLAlchemy(model_class=Base)


class FloorRow(db.Model):
    """One inserted row per request."""

    __tablename__ = "bench_floor_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int]


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """The same PRAGMAs as classroom.extensions."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
app.config["SECRET_KEY"] = os.environ.get("FLASK_SECRET_KEY", "floor")
app.jinja_env.globals["csrf_token"] = generate_csrf
db.init_app(app)

# What a question page shows, as plain data: the floor has no lessons.
PAGE = {
    "title": "Jihad: voorbereiding op de voorstelling",
    "version": 7,
    "question": "Hoe vaak praat je thuis of met vrienden over wat er in het nieuws gebeurt?",
    "options": [
        (str(number), label)
        for number, label in enumerate(
            (
                "Bijna elke dag",
                "Een paar keer per week",
                "Een paar keer per maand",
                "Bijna nooit",
                "Dat weet ik niet",
            ),
            start=1,
        )
    ],
    "support": [
        "De Kindertelefoon: bel 0800-0432 (gratis) of chat op kindertelefoon.nl",
        "113 Zelfmoordpreventie: bel 113 of 0800-0113 (gratis), of chat op 113.nl",
        "Veilig Thuis, bij geweld of misbruik thuis: bel 0800-2000 (gratis)",
        "Discriminatie: meld het op discriminatie.nl",
    ]
    * 7,
}


@app.post("/insert")
def insert():
    """Insert one row from a form field and commit."""
    db.session.add(FloorRow(value=int(request.form.get("answer", "0"))))
    db.session.commit()
    return "ok"


@app.get("/tiny")
def tiny():
    """Return a tiny response without touching the database."""
    return "ok"


@app.get("/page")
def page():
    """Render a page like the question page: base template, a form with a CSRF token."""
    return render_template("floor_page.html", **PAGE)


@app.cli.command("init-db")
def init_db() -> None:
    """Create (or empty) the floor's table."""
    db.drop_all()
    db.create_all()
