"""Where a module lives by slug: the library's pages or an own module's pages."""

from flask import url_for

from .store import is_library_slug


def module_url(slug: str, **arguments) -> str:
    """The page of a module by slug: the library's, or the own module's."""
    if is_library_slug(slug):
        return url_for("lessons.detail", slug=slug, **arguments)
    return url_for("authoring.detail", own_slug=slug, **arguments)


def module_pack_url(slug: str, language: str) -> str:
    """The printable pack of a module by slug, library or own."""
    if is_library_slug(slug):
        return url_for("lessons.pack", slug=slug, language=language)
    return url_for("authoring.pack", own_slug=slug, language=language)
