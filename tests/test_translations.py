"""Every interface string is in the Dutch catalog, translated, with the same placeholders."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def extracted_messages():
    method_map = [
        ("classroom/**.py", "python"),
        ("classroom/templates/**.html", "jinja2"),
        ("classroom/templates/**.txt", "jinja2"),  # the mails
    ]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def dutch_catalog():
    with open(ROOT / "classroom/translations/nl/LC_MESSAGES/messages.po", "rb") as file:
        return read_po(file)


def test_every_interface_string_has_a_dutch_translation():
    catalog = dutch_catalog()
    missing = []
    for message_id in sorted(extracted_messages()):
        message = catalog.get(message_id)
        strings = [message.string] if message and isinstance(message.string, str) else None
        if message and not strings:
            strings = list(message.string)
        if not message or not all(strings) or message.fuzzy:
            missing.append(message_id)
    assert missing == [], "run `make extract-messages` and translate: " + "; ".join(missing)


def test_translations_keep_every_placeholder():
    for message in dutch_catalog():
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        targets = [message.string] if isinstance(message.string, str) else list(message.string)
        for target in targets:
            assert set(PLACEHOLDER.findall(source)) <= set(PLACEHOLDER.findall(target)) | {
                "%(num)d"
            }, source
