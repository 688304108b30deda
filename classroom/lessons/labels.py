"""Interface names of the lesson vocabularies (themes, levels, years, values)."""

from flask_babel import lazy_gettext as _l

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
    "single": _l("One answer"),
    "multiple": _l("Several answers"),
    "scale": _l("Scale of 1 to 5"),
    "text": _l("Short open answer"),
    "ranking": _l("Put in order"),
    "estimate": _l("Estimate a number"),
    # Each language is named in itself, so a teacher finds their own.
    "nl": "Nederlands",
    "en": "English",
}


def label(word: str) -> str:
    """Return the translated name of a vocabulary word, or the word itself."""
    return str(LABELS.get(word, word))
