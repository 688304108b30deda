"""Finding modules by slug, library or own, for whoever may see them; built and cached.

A slug is looked up within one school, never across: the school (or a user of it) is an
argument of every lookup. A run does not look its module up at all: it keeps the version
it was started with (`keep_version`, `module_of_version`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts.models import School, User
from ..extensions import db
from ..lessons.checks import Problem, check_module_files
from ..lessons.content import (
    Module,
    build_module,
    build_text,
    get_library,
    render_markdown,
    split_handouts,
)
from ..lessons.safe_markdown import render_untrusted_markdown
from ..vocabulary import LANGUAGES
from .models import ModuleVersion, OwnModule

CACHE_KEY = "own_module_cache"
VERSION_CACHE_KEY = "module_version_cache"
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
    return Checked(Module(slug, texts, packs, dict(files), trusted=False), problems)


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


def slug_taken(school: School, slug: str) -> bool:
    """Whether the school may not name a module so: the library's, a URL's, or the school's.

    The school's slugs are those of its own modules and of the modules it gave lessons
    with (kept versions), so that its results by module never mix two modules. Another
    school's slugs do not count: they are not this school's to know.
    """
    if slug in RESERVED_SLUGS or is_library_slug(slug):
        return True
    own = db.select(OwnModule.id).where(OwnModule.school_id == school.id, OwnModule.slug == slug)
    given = db.select(ModuleVersion.digest).where(
        # A programme's own module may be given in any school: its slug is taken everywhere.
        (ModuleVersion.school_id == school.id) | ModuleVersion.municipality_id.is_not(None),
        ModuleVersion.slug == slug,
    )
    return bool(db.session.scalar(db.select(own.exists() | given.exists())))


def slug_in_use(slug: str, except_digest: str) -> bool:
    """Whether a module of any school, or another kept version, has the slug already.

    A programme's own module needs a slug of its own: schools' results go by slug, and
    must never mix it with another module or another version of it.
    """
    own = db.select(OwnModule.id).where(OwnModule.slug == slug)
    kept = db.select(ModuleVersion.digest).where(
        ModuleVersion.slug == slug, ModuleVersion.digest != except_digest
    )
    return bool(db.session.scalar(db.select(own.exists() | kept.exists())))


def module_in_school(school: School, slug: str) -> Module | None:
    """The module a slug names in the school now: the library's, else the school's own.

    Only for a run started before runs kept their version (`Run.module_version` empty).
    """
    module = get_library().get(slug)
    if module is not None:
        return module
    own = db.session.scalar(
        db.select(OwnModule).where(OwnModule.school_id == school.id, OwnModule.slug == slug)
    )
    return checked(own).module if own is not None else None


def _digest(school_id: int | None, slug: str, files: dict[str, str]) -> str:
    kept = {"school": school_id, "slug": slug, "files": files}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def municipality_digest(municipality_id: int, slug: str, files: dict[str, str]) -> str:
    """The digest of a programme's own module (a lead's zip): never a library's or a school's."""
    kept = {"municipality": municipality_id, "slug": slug, "files": files}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def keep_version(module: Module, school: School | None) -> str:
    """Keep the module's texts as they are now, once per content; return the version's digest.

    A library module's version is the same for every school (`school` may be None: a
    programme's); an own module's is its school's. (A lesson of a programme starts with
    the programme's version as it is: `polls.services.start_run`'s `version`.)
    """
    if school is None and not module.trusted:
        raise ValueError("an own module's version belongs to a school")
    school_id = None if module.trusted else school.id
    digest = _digest(school_id, module.slug, module.files)
    connection = db.session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(
        insert(ModuleVersion)
        .values(
            digest=digest,
            school_id=school_id,
            slug=module.slug,
            titles={language: text.title for language, text in module.texts.items()},
            files=dict(module.files),
        )
        .on_conflict_do_nothing(index_elements=["digest"])
    )
    return digest


def module_of_version(digest: str) -> Module | None:
    """The module as a run was started with it, built once per process (a version never changes)."""
    cache = current_app.extensions.setdefault(VERSION_CACHE_KEY, {})
    if digest not in cache:
        version = db.session.get(ModuleVersion, digest)
        if version is None:
            return None
        # Only the library's texts are trusted; a school's or a municipality's never.
        trusted = version.school_id is None and version.municipality_id is None
        render = render_markdown if trusted else render_untrusted_markdown
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[digest] = build_module(version.slug, version.files, trusted=trusted, render=render)
    return cache[digest]


def given_titles(school: School, language: str) -> dict[str, str]:
    """The titles of the school's own modules it gave lessons with, deleted ones too, by slug."""
    rows = db.session.execute(
        db.select(ModuleVersion.slug, ModuleVersion.titles)
        .where(ModuleVersion.school_id == school.id)
        .order_by(ModuleVersion.created_at)
    )
    # The latest version of a slug wins: the title the school last gave it under.
    return {slug: titles.get(language) or next(iter(titles.values())) for slug, titles in rows}
