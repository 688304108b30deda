"""Numbers as the reader's language writes them: "3,4", "+0,2", "-20 procentpunt"."""

from flask import Flask
from flask_babel import format_decimal, ngettext

MINUS = "\u2212"  # a real minus sign, not a hyphen


def number(value: float | int | None, digits: int = 1) -> str:
    """A number with at most `digits` decimals, in the current language ("3,4" in Dutch)."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern).replace("-", MINUS)


def signed(value: float | int | None, digits: int = 1) -> str:
    """A change with its sign: "+0,2", "-1,5" (real minus), "0" for no change."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    text = format_decimal(abs(value), format=pattern)
    if text.strip("0,.") == "":
        return text
    return ("+" if value > 0 else MINUS) + text


def points(change: int | None) -> str:
    """A change of a percentage: "+20 percentage points", "-20 procentpunt"."""
    if change is None:
        return ""
    return ngettext(
        "%(change)s percentage point",
        "%(change)s percentage points",
        abs(change),
        change=signed(change, 0),
    )


def init_app(app: Flask) -> None:
    """Offer the three as template filters: `number`, `signed` and `points`."""
    app.add_template_filter(number, "number")
    app.add_template_filter(signed, "signed")
    app.add_template_filter(points, "points")
