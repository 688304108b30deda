"""Creating, copying, sharing and importing own modules. Services flush, views commit."""

from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import Path

from sqlalchemy import event

from ..accounts.models import School, User
from ..catalogue.models import OwnModule
from ..catalogue.store import slug_taken
from ..extensions import db
from ..lessons.checks import check_module_files, module_file_names
from ..timeutil import now_utc

SLUG_FRONT = re.compile(r"^slug:.*$", re.MULTILINE)
MAX_SLUG = 40


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by '-', as a folder name of the library."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:30].strip("-")


def free_slug(school: School, wanted: str) -> str:
    """A slug like the wanted one that no library folder and nothing of the school uses."""
    stem = slugify(wanted) or "module"
    if not slug_taken(school, stem):
        return stem
    for number in range(2, 50):
        candidate = f"{stem[: MAX_SLUG - 4]}-{number}"
        if not slug_taken(school, candidate):
            return candidate
    return f"{stem[:30]}-{secrets.token_hex(4)}"


def with_slug(files: dict[str, str], slug: str) -> dict[str, str]:
    """The files with the front matter's slug line set to this slug (packs unchanged)."""
    return {
        name: SLUG_FRONT.sub(f"slug: {slug}", text, count=1) if not name.startswith("pack.")
        else text
        for name, text in files.items()
    }  # fmt: skip


def create(author: User, slug: str, files: dict[str, str], origin: str | None = None) -> OwnModule:
    """Store a new draft of the author's school."""
    own = OwnModule(school_id=author.school_id, author_id=author.id, slug=slug, files=files,
                    origin=origin)  # fmt: skip
    db.session.add(own)
    db.session.flush()
    return own


def save_files(own: OwnModule, files: dict[str, str]) -> None:
    """Replace the module's files; its cache key changes with the time of the change."""
    own.files = dict(files)
    own.updated_at = now_utc()


def library_files(lessons_dir: Path, slug: str) -> dict[str, str]:
    """The text files of a library folder, as an own module stores them."""
    folder = lessons_dir / slug
    return {
        name: (folder / name).read_text(encoding="utf-8")
        for name in module_file_names()
        if (folder / name).is_file()
    }


def forget_author(connection, user_id: int) -> None:
    """A deleted teacher's drafts go; their shared modules stay with the school."""
    table = OwnModule.__table__
    connection.execute(
        table.delete().where(table.c.author_id == user_id, table.c.shared_at.is_(None))
    )
    connection.execute(table.update().where(table.c.author_id == user_id).values(author_id=None))


@event.listens_for(User, "before_delete")
def _before_user_delete(_mapper, connection, target: User) -> None:
    forget_author(connection, target.id)


def check(slug: str, files: dict[str, str]):
    """Parse and check module files: (parsed files by language, problems)."""
    return check_module_files(slug, files)
