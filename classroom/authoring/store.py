"""Finding modules by slug, library or own, for whoever may see them; built and cached."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..accounts.models import School, User
from ..extensions import db
from ..lessons.checks import LANGUAGES, Problem, check_module_files
from ..lessons.content import Module, build_text, get_library, split_handouts
from ..lessons.safe_markdown import render_untrusted_markdown
from .models import OwnModule

CACHE_KEY = "own_module_cache"
# Words of the authoring URLs that a module page's slug must not take.
RESERVED_SLUGS = frozenset({"import", "copy"})
CACHE_SIZE = 256


@dataclass(frozen=True)
class Checked:
    """An own module's files built into a Module (None when they have errors) and its problems."""

    module: Module | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """The problems that keep the module from being shared or started."""
        return [problem for problem in self.problems if not problem.warning]


def check_files(slug: str, files: dict[str, str]) -> Checked:
    """Check module files like `flask lessons check` and build them with the safe renderer."""
    lessons, problems = check_module_files(slug, files)
    if any(not problem.warning for problem in problems):
        return Checked(None, problems)
    texts = {
        language: build_text(lessons[language], language, render_untrusted_markdown)
        for language in LANGUAGES
        if language in lessons
    }
    packs = {
        language: split_handouts(files[f"pack.{language}.md"], render_untrusted_markdown)
        for language in texts
        if f"pack.{language}.md" in files
    }
    return Checked(Module(slug, texts, packs), problems)


def checked(own: OwnModule) -> Checked:
    """The own module checked and built, cached per (id, last change) in this process."""
    cache = current_app.extensions.setdefault(CACHE_KEY, {})
    key = (own.id, own.updated_at)
    if key not in cache:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = check_files(own.slug, own.files)
    return cache[key]


def _visible(user: User):
    """Own modules this staff member may see: their own, and those shared in their school."""
    return db.select(OwnModule).where(
        OwnModule.school_id == user.school_id,
        (OwnModule.author_id == user.id) | OwnModule.shared_at.is_not(None),
    )


def own_module_for(user: User, slug: str) -> OwnModule | None:
    """An own module the user may see (their draft, or shared in their school), or None."""
    return db.session.scalar(_visible(user).where(OwnModule.slug == slug))


def authored_by(user: User, slug: str) -> OwnModule | None:
    """An own module the user wrote, or None (also for a module of someone else)."""
    return db.session.scalar(
        db.select(OwnModule).where(
            OwnModule.slug == slug,
            OwnModule.author_id == user.id,
            OwnModule.school_id == user.school_id,
        )
    )


def modules_for(user: User) -> list[OwnModule]:
    """The own modules the user may see, newest change first."""
    query = _visible(user).options(db.selectinload(OwnModule.author))
    return list(db.session.scalars(query.order_by(OwnModule.updated_at.desc())))


def module_for(user: User, slug: str) -> Module | None:
    """The module a staff member may open or start by slug: library, else own; None if not."""
    module = get_library().get(slug)
    if module is not None:
        return module
    own = own_module_for(user, slug)
    return checked(own).module if own is not None else None


def module_of_run(slug: str) -> Module | None:
    """The module a run was started from (its owner is checked at the run's door)."""
    module = get_library().get(slug)
    if module is not None:
        return module
    own = db.session.scalar(db.select(OwnModule).where(OwnModule.slug == slug))
    return checked(own).module if own is not None else None


def shared_modules(school: School) -> list[Module]:
    """The school's shared own modules that have no errors, ready to assign and report on."""
    owns = db.session.scalars(
        db.select(OwnModule).where(
            OwnModule.school_id == school.id, OwnModule.shared_at.is_not(None)
        )
    )
    return [module for own in owns if (module := checked(own).module) is not None]


def school_modules(school: School) -> list[Module]:
    """Every module the school can assign: the library and its shared own modules."""
    return [*get_library().modules.values(), *shared_modules(school)]


def is_library_slug(slug: str) -> bool:
    """Whether a slug names a folder of the library (valid or not), so never an own module."""
    library = get_library()
    return slug in library.modules or (library.lessons_dir / slug).exists()


def slug_taken(slug: str) -> bool:
    """Whether a slug is used by the library, by any school's own module or by a URL."""
    if slug in RESERVED_SLUGS or is_library_slug(slug):
        return True
    return db.session.scalar(db.select(OwnModule.id).where(OwnModule.slug == slug)) is not None
