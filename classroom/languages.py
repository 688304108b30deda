"""The languages of the interface and the lessons."""

from wtforms import SelectChoice

from .vocabulary import LANGUAGES

# Each language named in itself, so a teacher finds their own.
_NAMES = {"nl": "Nederlands", "en": "English"}
LANGUAGE_NAMES = {code: _NAMES[code] for code in LANGUAGES}


def language_choices() -> list[SelectChoice]:
    """Choices for a language select, each language named in itself."""
    return [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]
