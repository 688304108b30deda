"""School-scoped queries and operations. Every function takes the school first."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func

from ..accounts.models import School, User, new_session_token
from ..accounts.signals import account_deactivated
from ..catalogue.store import given_titles, school_modules
from ..extensions import db
from .models import Assignment, SchoolClass, class_teacher
from .settings import log_change
from .signals import assignments_loaded


def module_titles(school: School, language: str) -> dict[str, str]:
    """Every module the school can assign (library and shared own ones), with its title."""
    return {module.slug: module.text(language).title for module in school_modules(school)}


def module_names(school: School, language: str) -> dict[str, str]:
    """Titles to show by slug: the modules the school can assign, then those it gave lessons with.

    A module deleted since keeps the title the school gave it; another school's never shows.
    """
    return {**given_titles(school, language), **module_titles(school, language)}


def module_values(school: School, language: str) -> dict[str, tuple[str, ...]]:
    """The citizenship values each module the school can assign was tagged with."""
    return {module.slug: module.text(language).values for module in school_modules(school)}


class CoordinationError(ValueError):
    """A request that would break a rule of the school's data; nothing was changed."""


def school_year_start(today: date) -> date:
    """The 1st of August that starts the Dutch school year containing `today`."""
    year = today.year if today.month >= 8 else today.year - 1
    return date(year, 8, 1)


def classes_of(school: School, archived: bool = False) -> list[SchoolClass]:
    """The school's active classes (or its archived ones), by name."""
    archived_filter = (
        SchoolClass.archived_at.is_not(None) if archived else SchoolClass.archived_at.is_(None)
    )
    return list(
        db.session.scalars(
            db.select(SchoolClass)
            .where(SchoolClass.school_id == school.id, archived_filter)
            .order_by(SchoolClass.year, SchoolClass.name)
        )
    )


def class_of(school: School, class_id: int) -> SchoolClass | None:
    """One class of the school, or None (also when it belongs to another school)."""
    return db.session.scalar(
        db.select(SchoolClass).where(SchoolClass.id == class_id, SchoolClass.school_id == school.id)
    )


def staff_of(school: School, role: str | None = None) -> list[User]:
    """The school's staff accounts, optionally of one role, by name."""
    query = db.select(User).where(User.school_id == school.id).order_by(User.name)
    if role:
        query = query.where(User.role == role)
    return list(db.session.scalars(query))


def member_of(school: School, user_id: int) -> User | None:
    """One staff account of the school, or None."""
    return db.session.scalar(db.select(User).where(User.id == user_id, User.school_id == school.id))


def save_class(
    school: School,
    school_class: SchoolClass | None,
    name: str,
    level: str,
    year: int,
    teachers: list[User],
    size: int | None = None,
    changed_by: User | None = None,
) -> SchoolClass:
    """Create or update a class; names are unique within the school.

    A changed size sets who may be in the class's next lessons, so it goes into the
    school's audit list (by `changed_by`, the coordinator).
    """
    clash = db.session.scalar(
        db.select(SchoolClass.id).where(
            SchoolClass.school_id == school.id,
            func.lower(SchoolClass.name) == name.lower(),
            SchoolClass.id != (school_class.id if school_class else -1),
        )
    )
    if clash is not None:
        raise CoordinationError("duplicate-class")
    if school_class is None:
        school_class = SchoolClass(school_id=school.id)
        db.session.add(school_class)
    school_class.name = name
    school_class.level = level
    school_class.year = year
    if changed_by is not None and school_class.size != size:
        log_change(
            school, changed_by, "class_size", _sized(name, school_class.size), _sized(name, size)
        )
    school_class.size = size
    school_class.teachers = [t for t in teachers if t.school_id == school.id]
    db.session.flush()
    return school_class


def _sized(name: str, size: int | None) -> str:
    return f"{name}: {size if size is not None else '–'}"


def set_active(school: School, user: User, active: bool) -> None:
    """(De)activate a staff account; deactivation ends all its sessions.

    Deactivation also ends every lesson of the account that has not ended, running or
    paused: the polls package listens to `account_deactivated` and ends them in this
    same transaction. Reactivation reopens nothing.
    """
    if user.school_id != school.id:
        raise CoordinationError("other-school")
    user.active = active
    if not active:
        user.session_token = new_session_token()
        account_deactivated.send(user)


def assign(
    school: School,
    classes: list[SchoolClass],
    teacher: User,
    module_slug: str,
    due_on: date,
    note: str | None,
    today: date,
) -> list[Assignment]:
    """Assign a module to classes of the school, given by one teacher of the school."""
    if due_on < today:
        raise CoordinationError("due-in-past")
    if teacher.school_id != school.id or not teacher.active:
        raise CoordinationError("other-school")
    for school_class in classes:
        if school_class.school_id != school.id:
            raise CoordinationError("other-school")
        if school_class.archived_at is not None:
            raise CoordinationError("archived")
    assignments = [
        Assignment(
            school_id=school.id,
            class_id=school_class.id,
            teacher_id=teacher.id,
            module_slug=module_slug,
            due_on=due_on,
            note=note or None,
        )
        for school_class in classes
    ]
    db.session.add_all(assignments)
    db.session.flush()
    return assignments


def assignments_of(school: School, teacher: User | None = None) -> list[Assignment]:
    """The school's assignments (or one teacher's), soonest due first."""
    # Class and teacher in one query each, not one per assignment on the list pages.
    query = (
        db.select(Assignment)
        .where(Assignment.school_id == school.id)
        .options(
            db.selectinload(Assignment.school_class),
            db.selectinload(Assignment.teacher),
        )
    )
    if teacher is not None:
        query = query.where(Assignment.teacher_id == teacher.id)
    assignments = list(db.session.scalars(query.order_by(Assignment.due_on, Assignment.id)))
    assignments_loaded.send(assignments)
    return assignments


def assignment_for_teacher(school: School, teacher: User, assignment_id: int) -> Assignment | None:
    """One of the teacher's own assignments in the school, or None."""
    return db.session.scalar(
        db.select(Assignment).where(
            Assignment.id == assignment_id,
            Assignment.school_id == school.id,
            Assignment.teacher_id == teacher.id,
        )
    )


def teachable_classes(user: User) -> list[SchoolClass]:
    """The active classes of the user's school that the user teaches."""
    return list(
        db.session.scalars(
            db.select(SchoolClass)
            .join(class_teacher, class_teacher.c.class_id == SchoolClass.id)
            .where(
                class_teacher.c.user_id == user.id,
                SchoolClass.school_id == user.school_id,
                SchoolClass.archived_at.is_(None),
            )
            .order_by(SchoolClass.name)
        )
    )
