"""The module a run was started with: its guide and pack as they were then, never another's.

A run keeps the version of its module (`Run.module_version`), so a module edited,
deleted, re-imported or changed in the library by a deployment leaves a running or
old lesson as it was, and a slug another school takes later never reaches it.
"""

from __future__ import annotations

from ..catalogue.store import is_library_slug, module_in_school, module_of_version
from ..lessons.content import Module, Section
from .models import Run


def run_module(run: Run) -> Module | None:
    """The module as the run started with it (None: gone, for a run from before versions)."""
    if run.module_version is not None:
        return module_of_version(run.module_version)
    return module_in_school(run.school, run.module_slug)


def guide(run: Run, phase: str | None) -> Section | None:
    """The guide section of a phase in the run's language, as the run started with it."""
    if phase is None:
        return None
    module = run_module(run)
    return module.text(run.language).sections.get(phase) if module is not None else None


def trusted(run: Run) -> bool:
    """Whether the run's module texts are the library's (rendered as reviewed in git)."""
    if run.module_version is None:
        return is_library_slug(run.module_slug)
    module = run_module(run)
    return module is not None and module.trusted
