"""Commands that span features: the demo school."""

import click
from flask import Flask
from flask.cli import with_appcontext

from .accounts.models import User
from .accounts.services import create_user, find_user_by_email, get_or_create_school
from .coordination.models import SchoolClass
from .extensions import db

DEMO_SCHOOL = "Demo College"
DEMO_PASSWORD = "demo-wachtwoord"  # noqa: S105 - a published demo login, for local trials only
DEMO_CLASSES = (("3 HAVO B", "havo", 3), ("4 VWO A", "vwo", 4), ("2 VMBO-T C", "vmbo", 2))
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


def load_demo() -> list[User]:
    """Add the demo school, its classes and staff unless they exist; return the staff."""
    school = get_or_create_school(DEMO_SCHOOL)
    classes = {}
    for name, level, year in DEMO_CLASSES:
        school_class = db.session.scalar(
            db.select(SchoolClass).where(
                SchoolClass.school_id == school.id, SchoolClass.name == name
            )
        )
        if school_class is None:
            school_class = SchoolClass(school=school, name=name, level=level, year=year)
            db.session.add(school_class)
        classes[name] = school_class
    staff = []
    for email, name, role, taught in DEMO_STAFF:
        user = find_user_by_email(email) or create_user(school, email, name, role, DEMO_PASSWORD)
        for class_name in taught:
            if user not in classes[class_name].teachers:
                classes[class_name].teachers.append(user)
        staff.append(user)
    return staff


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo school with classes and demo logins (idempotent; for trying out)."""
    staff = load_demo()
    db.session.commit()
    click.echo(f"Demo school '{DEMO_SCHOOL}' is ready. Log in with password '{DEMO_PASSWORD}' as:")
    for user in staff:
        click.echo(f"  {user.role:<12} {user.email}")
