"""Commands that span features: the demo school."""

import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .accounts.models import User
from .accounts.services import create_user, find_user_by_email, get_or_create_school
from .coordination.models import Assignment, SchoolClass
from .extensions import db
from .lessons.content import get_library
from .polls.answers import forget_deleted, purge_run, runs_to_purge, store_answer
from .polls.services import end_expired_runs, end_run, open_question, reveal_question, start_run
from .programmes.demo import load_demo_programme
from .timeutil import now_utc

DEMO_SCHOOL = "Demo College"
DEMO_PASSWORD = "demo-wachtwoord"  # noqa: S105 - a published demo login, for local trials only
DEMO_CLASSES = (
    ("3 HAVO B", "havo", 3, 28),
    ("4 VWO A", "vwo", 4, 26),
    ("2 VMBO-T C", "vmbo", 2, 24),
)
DEMO_STAFF = (
    (
        "docent@demo.klasgesprek.nl",
        "Sanne de Vries",
        "teacher",
        ("3 HAVO B", "4 VWO A", "2 VMBO-T C"),
    ),
    ("docent2@demo.klasgesprek.nl", "Youssef Amrani", "teacher", ("4 VWO A",)),
    ("coordinator@demo.klasgesprek.nl", "Marieke Jansen", "coordinator", ()),
)


def init_app(app: Flask) -> None:
    """Register the cross-feature commands."""
    app.cli.add_command(demo_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(backup_command)


def load_demo() -> list[User]:
    """Add the demo school, its classes and staff unless they exist; return the staff."""
    school = get_or_create_school(DEMO_SCHOOL)
    classes = {}
    for name, level, year, size in DEMO_CLASSES:
        school_class = db.session.scalar(
            db.select(SchoolClass).where(
                SchoolClass.school_id == school.id, SchoolClass.name == name
            )
        )
        if school_class is None:
            school_class = SchoolClass(school=school, name=name, level=level, year=year, size=size)
            db.session.add(school_class)
        school_class.size = school_class.size or size
        classes[name] = school_class
    staff = []
    for email, name, role, taught in DEMO_STAFF:
        user = find_user_by_email(email) or create_user(
            school, email, name, role, DEMO_PASSWORD, check=False
        )
        for class_name in taught:
            if user not in classes[class_name].teachers:
                classes[class_name].teachers.append(user)
        staff.append(user)
    return staff


def load_demo_lessons(staff: list[User], today: date) -> None:
    """Give the demo school a history: assignments in every state and answered lessons.

    Answers are made up with a fixed seed, so the overview and the school's
    results show something real on first start. Runs only once per database.
    """
    teacher = staff[0]
    school = teacher.school
    if db.session.scalar(db.select(Assignment.id).where(Assignment.school_id == school.id)):
        return
    library = get_library()
    classes = {c.name: c for c in school.classes}
    plan = [
        ("jihad", "3 HAVO B", today + timedelta(days=7), False),
        ("fake-news", "4 VWO A", today - timedelta(days=14), False),
        ("discrimination", "3 HAVO B", today - timedelta(days=21), True),
        ("discrimination", "4 VWO A", today - timedelta(days=10), True),
    ]
    chance = random.Random(2026)  # noqa: S311 - made-up demo answers, not security
    for slug, class_name, due_on, given in plan:
        assignment = Assignment(
            school_id=school.id, school_class=classes[class_name], teacher=teacher,
            module_slug=slug, due_on=due_on,
        )  # fmt: skip
        db.session.add(assignment)
        module = library.get(slug)
        if given and module is not None:
            run = start_run(module, classes[class_name], teacher, "nl", classes[class_name].size)
            run.assignment = assignment
            _answer_demo_run(run, chance, students=24)
            end_run(run)
    belonging = library.get("belonging")
    if belonging is not None:
        run = start_run(belonging, classes["2 VMBO-T C"], teacher, "nl", 24)
        _answer_demo_run(run, chance, students=22)
        end_run(run)


def _answer_demo_run(run, chance: random.Random, students: int) -> None:
    for question in run.questions:
        open_question(question)
        wording = question.text(run.language)
        for device in range(students):
            value, text = question.kind.example_answer(chance, wording)
            store_answer(question, f"demo-{run.id}-{device}", value=value, text=text)
        reveal_question(question)


@click.command("demo")
@click.option(
    "--i-know-this-is-not-a-server",
    "not_a_server",
    is_flag=True,
    help="Load the published demo logins outside debug mode, on a computer only you can reach.",
)
@with_appcontext
def demo_command(not_a_server: bool) -> None:
    """Load the demo school with classes and demo logins (idempotent; for trying out)."""
    if not (current_app.debug or not_a_server):
        raise click.ClickException(
            "The demo logins and their password are published: anyone could log in with them. "
            "Load them only on your own computer, with --debug or --i-know-this-is-not-a-server."
        )
    staff = load_demo()
    db.session.flush()
    load_demo_lessons(staff, now_utc().date())
    staff = [*staff, *load_demo_programme(staff, now_utc().date(), DEMO_PASSWORD)]
    db.session.commit()
    click.echo(f"Demo school '{DEMO_SCHOOL}' is ready. Log in with password '{DEMO_PASSWORD}' as:")
    for user in staff:
        click.echo(f"  {user.role:<12} {user.email}")


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """End lessons past their time limit; delete raw answers past the retention period."""
    ended = end_expired_runs()
    runs = runs_to_purge(now_utc())
    for run in runs:
        purge_run(run)
    db.session.commit()
    forget_deleted()
    click.echo(
        f"Ended {ended} lesson(s) left running. Purged the answers of {len(runs)} lesson(s)."
    )


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(target: str) -> None:
    """Copy the live SQLite database consistently to TARGET (PostgreSQL: use pg_dump)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException(
            "For PostgreSQL use: pg_dump --format=custom --file=TARGET DATABASE_URL "
            "(restore with pg_restore --clean)."
        )
    source = sqlite3.connect(url.database)
    Path(target).touch(mode=0o600)
    Path(target).chmod(0o600)
    destination = sqlite3.connect(target)
    with destination:
        source.backup(destination)
    destination.close()
    source.close()
    click.echo(f"Backed up {url.database} to {target}.")
