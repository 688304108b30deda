"""Interface names of the lesson vocabularies (themes, levels, years, values, kinds)."""

from flask_babel import lazy_gettext as _l

from ..languages import LANGUAGE_NAMES
from ..questions import ALL_TYPES

LABELS = {
    "belonging": _l("Belonging"),
    "discrimination": _l("Discrimination"),
    "polarisation": _l("Polarisation"),
    "media-literacy": _l("Media literacy"),
    "radicalisation": _l("Radicalisation"),
    "dialogue": _l("Dialogue"),
    "citizenship": _l("Citizenship"),
    "vmbo": "vmbo",
    "havo": "havo",
    "vwo": "vwo",
    "lower": _l("Lower years"),
    "upper": _l("Upper years"),
    "freedom": _l("Freedom"),
    "equality": _l("Equality"),
    "solidarity": _l("Solidarity"),
    # Each kind of question names itself (`QuestionType.label`).
    **{kind.name: kind.label for kind in ALL_TYPES},
    # Each language is named in itself, so a teacher finds their own.
    **LANGUAGE_NAMES,
}


def label(word: str) -> str:
    """Return the translated name of a vocabulary word, or the word itself."""
    return str(LABELS.get(word, word))
