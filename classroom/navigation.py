"""Redirect targets that stay on this site."""

import unicodedata
from urllib.parse import urlsplit


def local_path(target: str | None) -> str | None:
    """Return the target if it is a path on this site, else None (no open redirects).

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash,
    so '/\t/evil.example' would leave the site: any control or space character,
    a backslash, or a second leading slash refuses the target.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(unicodedata.category(c)[0] in "CZ" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
