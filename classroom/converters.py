"""URL converters that keep ids inside the database's range."""

from flask import Flask
from werkzeug.routing import IntegerConverter

# The largest id an INTEGER column holds (PostgreSQL's range; SQLite's is larger).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` that matches only ids the database can hold, so a huge one is a 404."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int = MAX_ID):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def init_app(app: Flask) -> None:
    """Install the converter before any route is added."""
    app.url_map.converters["int"] = IdConverter
