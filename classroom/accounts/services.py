"""Account operations shared by views and CLI commands."""

from sqlalchemy import func

from ..extensions import db
from .models import ROLES, School, User


class AccountError(ValueError):
    """An account cannot be created as asked."""


def find_user_by_email(email: str) -> User | None:
    """Return the account with this e-mail address, ignoring case."""
    return db.session.scalar(db.select(User).where(func.lower(User.email) == email.lower()))


def get_or_create_school(name: str) -> School:
    """Return the school with this name, adding it when it does not exist."""
    school = db.session.scalar(db.select(School).where(School.name == name))
    if school is None:
        school = School(name=name)
        db.session.add(school)
        db.session.flush()
    return school


def create_user(school: School, email: str, name: str, role: str, password: str) -> User:
    """Add a staff account; the caller commits."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise AccountError("a password needs at least 8 characters")
    if find_user_by_email(email):
        raise AccountError(f"an account with e-mail {email} already exists")
    user = User(school=school, email=email.lower(), name=name, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
