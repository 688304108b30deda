"""A programme's own module: a lead's zip in the `lessons/` format, kept as the municipality's.

The zip is read and checked like a teacher's import (`lessons.archive.read_module_zip`);
one with errors, or named like a library module, is refused and nothing is stored. A slug
that a school's module or another version has already gets a number (`-2`), so schools'
results by module never mix two modules. The files are kept as a `ModuleVersion` of the
municipality (no school), so its Markdown renders untrusted like a school's own module,
and every school gives that version.
Nothing here commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import IO

from ..authoring.services import MAX_SLUG, with_slug
from ..catalogue.models import ModuleVersion
from ..catalogue.store import (
    is_library_slug,
    module_of_version,
    municipality_digest,
    slug_in_use,
)
from ..extensions import db
from ..lessons.archive import MAX_ARCHIVE_BYTES, read_module_zip
from ..lessons.checks import Problem
from ..lessons.content import Module, build_module
from ..lessons.safe_markdown import render_untrusted_markdown


@dataclass(frozen=True)
class Upload:
    """A lead's zip: the module and its version when stored, else why it was refused."""

    module: Module | None = None
    version: str | None = None
    slug: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # The zip names a module of the library: it would mix with the library's results.
    library_slug: bool = False

    @property
    def stored(self) -> bool:
        """Whether the module was stored as a version of the municipality."""
        return self.version is not None


def store_zip(municipality_id: int, upload: IO[bytes]) -> Upload:
    """Check a lead's zip and keep its files as a version of the municipality.

    Warnings are allowed; errors, an unreadable or too big zip, or a library slug refuse
    it with nothing stored. The same zip stored twice is one version.
    """
    # One byte more than the archive may have, so that read_module_zip names the limit.
    data = upload.read(MAX_ARCHIVE_BYTES + 1)
    archive = read_module_zip(data)
    if archive.slug is None or any(not problem.warning for problem in archive.problems):
        return Upload(slug=archive.slug, problems=archive.problems)
    if is_library_slug(archive.slug):
        return Upload(slug=archive.slug, problems=archive.problems, library_slug=True)
    slug, files = _own_slug(municipality_id, archive.slug, archive.files)
    digest = municipality_digest(municipality_id, slug, files)
    if db.session.get(ModuleVersion, digest) is None:
        db.session.add(
            ModuleVersion(
                digest=digest,
                school_id=None,
                municipality_id=municipality_id,
                slug=slug,
                titles=_titles(slug, files),
                files=files,
            )
        )
        db.session.flush()
    module = module_of_version(digest)
    return Upload(module, digest, slug, archive.problems)


def _own_slug(municipality_id: int, slug: str, files: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The zip's slug, or a numbered one where a school's module or another version has it."""
    candidate, renamed = slug, dict(files)
    for number in range(2, 100):
        if not slug_in_use(candidate, municipality_digest(municipality_id, candidate, renamed)):
            return candidate, renamed
        candidate = f"{slug[: MAX_SLUG - 4]}-{number}"
        renamed = with_slug(files, candidate)
    candidate = f"{slug[:30]}-{secrets.token_hex(4)}"
    return candidate, with_slug(files, candidate)


def _titles(slug: str, files: dict[str, str]) -> dict[str, str]:
    """The module's title in each of its languages."""
    module = build_module(slug, files, trusted=False, render=render_untrusted_markdown)
    return {language: text.title for language, text in module.texts.items()}
