"""Time helpers shared by the models."""

from datetime import UTC, datetime


def now_utc() -> datetime:
    """Return the current time in UTC; used as a callable column default."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """The same moment with its UTC zone (SQLite returns times without one)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
