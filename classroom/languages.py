"""The languages of the interface and the lessons."""

from wtforms import SelectChoice

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def language_choices() -> list[SelectChoice]:
    """Choices for a language select, each language named in itself."""
    return [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]
