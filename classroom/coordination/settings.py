"""The school's own settings: their bounds, and changing them with a line in the audit list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..extensions import db
from .models import SettingChange

if TYPE_CHECKING:
    from flask_sqlalchemy.pagination import Pagination

    from ..accounts.models import School, User

# The columns of School the settings page edits, in the order the page shows them.
SETTINGS = ("min_answers", "school_min_answers", "retention_days", "support_text", "flag_words")
# Below 3 a result could point at one student; above a class's size it never shows at all.
CLASS_K = (3, 50)
# School figures combine classes, so they need more answers before a cell shows.
SCHOOL_K = (10, 500)
# At least a day, so answers of a lesson that ended today stay for its summary; at most a
# school year: after that only the totals, which purging keeps, are of use.
RETENTION_DAYS = (1, 365)
SUPPORT_TEXT_MAX = 1000
FLAG_WORDS_MAX = 200
# A one-letter word would flag almost every answer.
FLAG_WORD_LENGTH = (2, 40)
CHANGES_PER_PAGE = 50


def has_control_characters(text: str | None) -> bool:
    """Whether the text holds control characters other than line breaks and tabs (NUL...)."""
    return any((ord(c) < 32 and c not in "\n\r\t") or c == "\x7f" for c in text or "")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def clean_flag_words(text: str | None) -> str | None:
    """One word or phrase per line, blank lines and repeats dropped; None when empty."""
    seen: set[str] = set()
    words = []
    for word in _lines(text):
        if word.casefold() not in seen:
            seen.add(word.casefold())
            words.append(word)
    return "\n".join(words) or None


def clean_support_text(text: str | None) -> str | None:
    """The support text with its outer blanks and Windows line ends gone; None when empty."""
    return (text or "").replace("\r\n", "\n").strip() or None


def flag_word_problem(text: str | None) -> str | None:
    """Why the flag word list is not accepted ('too-many' or 'length'), or None."""
    words = _lines(text)
    if len(words) > FLAG_WORDS_MAX:
        return "too-many"
    low, high = FLAG_WORD_LENGTH
    if any(not low <= len(word) <= high for word in words):
        return "length"
    return None


def _as_text(value: object) -> str | None:
    return None if value is None else str(value)


def change_settings(school: School, user: User, values: dict[str, object]) -> list[SettingChange]:
    """Give the school the new values; add one audit line per setting that really changed."""
    changes = []
    for name in SETTINGS:
        old, new = getattr(school, name), values[name]
        if old == new:
            continue
        setattr(school, name, new)
        changes.append(log_change(school, user, name, _as_text(old), _as_text(new)))
    db.session.flush()
    return changes


def log_change(
    school: School, user: User, setting: str, old: str | None, new: str | None
) -> SettingChange:
    """Add one line to the school's audit list, which its teachers can read."""
    change = SettingChange(
        school_id=school.id,
        user_id=user.id,
        user_name=user.name,
        setting=setting,
        old_value=old,
        new_value=new,
    )
    db.session.add(change)
    return change


def account_label(user: User) -> str:
    """How the audit list names an account: name and address, never a link or token."""
    return f"{user.name} ({user.email})"


def last_change_id(school: School) -> int:
    """The id of the school's latest audit line (0 if none): a form's view of the settings."""
    latest = db.select(db.func.max(SettingChange.id)).where(SettingChange.school_id == school.id)
    return db.session.scalar(latest) or 0


def changes_of(school: School, page: int) -> Pagination:
    """One page of the school's audit list, newest first; 404 past the last page."""
    query = (
        db.select(SettingChange)
        .where(SettingChange.school_id == school.id)
        .order_by(SettingChange.changed_at.desc(), SettingChange.id.desc())
    )
    return db.paginate(query, page=page, per_page=CHANGES_PER_PAGE, max_per_page=None)
