"""Time helpers shared by the models."""

from datetime import UTC, datetime


def now_utc() -> datetime:
    """Return the current time in UTC; used as a callable column default."""
    return datetime.now(UTC)
