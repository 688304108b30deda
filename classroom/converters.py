"""URL converters that keep ids inside the database's range."""

from flask import Flask
from werkzeug.routing import IntegerConverter

# The largest id an INTEGER column holds (PostgreSQL's range; SQLite's is larger).
MAX_ID = 2**31 - 1


def _at_most(limit: int) -> str:
    """A regular expression for the whole numbers 0 to `limit`, without leading zeros."""
    digits = str(limit)
    alternatives = ["0"]
    if len(digits) > 1:
        alternatives.append(rf"[1-9]\d{{0,{len(digits) - 2}}}")
    for place, digit in enumerate(digits):
        lowest = 1 if place == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - place - 1
            alternatives.append(
                digits[:place] + f"[{lowest}-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else "")
            )
    alternatives.append(digits)
    return "(?:" + "|".join(alternatives) + ")"


class IdConverter(IntegerConverter):
    """`<int:...>` that matches only ids the database can hold, so a huge one is a 404.

    The range is in the pattern itself, not only checked after matching: a path with a
    GET and a POST route would otherwise answer a huge id with 405 instead of 404.
    """

    regex = _at_most(MAX_ID)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int = MAX_ID):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def init_app(app: Flask) -> None:
    """Install the converter before any route is added."""
    app.url_map.converters["int"] = IdConverter
