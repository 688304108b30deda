"""Fill empty msgstr entries of a catalog from a dict file.

Usage: `python scripts/fill_translations.py nl FILE`.

The dict maps msgid (or a (singular, plural) tuple) to the translation (or a tuple).
Entries already translated are left alone; obsolete entries are dropped.
"""

import ast
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def main(language: str, source: str) -> None:
    path = Path(f"classroom/translations/{language}/LC_MESSAGES/messages.po")
    text = Path(source).read_text(encoding="utf-8")
    translations = ast.literal_eval(text.split("=", 1)[1].strip())
    with path.open("rb") as file:
        catalog = read_po(file)
    for message in catalog:
        if message.id and message.id in translations and not _translated(message):
            message.string = translations[message.id]
            message.flags.discard("fuzzy")
    catalog.obsolete.clear()
    with path.open("wb") as file:
        write_po(file, catalog, sort_output=True, no_location=True, width=100)


def _translated(message) -> bool:
    strings = [message.string] if isinstance(message.string, str) else list(message.string)
    return all(strings) and not message.fuzzy


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
