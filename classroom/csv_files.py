"""CSV downloads that open as columns in the user's spreadsheet and cannot run formulas.

Dutch Excel splits on semicolons and writes "3,4"; English on commas and "3.4".
Every export (a run's summary, the school's reports) goes through `csv_response`,
with headers and values already in the user's language.
"""

import csv
import io
import re
from datetime import date

from flask import Response
from flask_babel import format_decimal, get_locale

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Languages whose spreadsheets use a decimal comma, and so a semicolon between cells.
DECIMAL_COMMA = ("nl",)


def safe_cell(value: object) -> str:
    """Text of a cell; one that a spreadsheet would run as a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: object) -> str:
    """A number in the user's notation (no grouping, so a spreadsheet reads it), else text."""
    if isinstance(value, float):
        return format_decimal(value, format="0.##")
    return safe_cell(value)


def export_filename(*parts: object, on: date | None = None) -> str:
    """A file name that says what the file holds: parts and date, safe for every system."""
    words = [str(part) for part in parts if part not in (None, "")]
    if on is not None:
        words.append(on.isoformat())
    slug = re.sub(r"[^A-Za-z0-9]+", "-", "-".join(words)).strip("-").lower()
    return f"{slug or 'export'}.csv"


def csv_response(header: list[str], rows: list[list[object]], filename: str) -> Response:
    """A CSV download in the user's notation (UTF-8 with BOM, so that Excel reads the accents)."""
    delimiter = ";" if str(get_locale()) in DECIMAL_COMMA else ","
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([[_cell(cell) for cell in row] for row in rows])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
