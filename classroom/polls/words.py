"""Words in open answers: pre-flagging for the teacher, and counts for word clouds."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

WORDLISTS = Path(__file__).parent / "wordlists"
LANGUAGES = ("nl", "en")
LONG_ENOUGH_TO_MATCH_INSIDE = 5
WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
CLOUD_SIZES = 6


# Letters of other scripts that look like Latin ones, as typed to dodge the flag list.
CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ζ": "z",
        # Latin look-alikes that NFKC keeps
        "ı": "i", "ɑ": "a", "ℓ": "l", "ß": "ss",
    }
)  # fmt: skip


def normalise(text: str) -> str:
    """Lower case without accents, invisible characters or look-alike letters.

    'Één' and 'een' compare equal, and so do a word with a zero-width space or a
    soft hyphen inside, or with a Cyrillic a (U+0430) for the Latin one.
    """
    compatible = unicodedata.normalize("NFKC", text)
    visible = "".join(c for c in compatible if unicodedata.category(c) != "Cf")
    folded = visible.lower().translate(CONFUSABLES)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _read(name: str) -> tuple[str, ...]:
    lines = (WORDLISTS / name).read_text(encoding="utf-8").splitlines()
    return tuple(normalise(line.strip()) for line in lines if line.strip() and line[0] != "#")


def flag_words(extra: str | None = None) -> tuple[str, ...]:
    """The flag words of both languages plus a school's own (one per line)."""
    own = tuple(normalise(w.strip()) for w in (extra or "").splitlines() if w.strip())
    return _read("flag.nl.txt") + _read("flag.en.txt") + own


def is_flagged(text: str, words: tuple[str, ...]) -> bool:
    """Whether the text contains a flag word (long words also inside compounds)."""
    clean = normalise(text)
    tokens = set(WORD.findall(clean))
    padded = f" {' '.join(WORD.findall(clean))} "
    for word in words:
        if " " in word and f" {word} " in padded:
            return True
        if len(word) >= LONG_ENOUGH_TO_MATCH_INSIDE and word in clean:
            return True
        if word in tokens:
            return True
    return False


def stop_words() -> frozenset[str]:
    """Words left out of word clouds, Dutch and English together."""
    return frozenset(_read("stop.nl.txt") + _read("stop.en.txt"))


def word_counts(texts: list[str], limit: int = 40) -> list[tuple[str, int, int]]:
    """The most frequent words as (word, count, size 1-6), alphabetical for display."""
    counter: Counter[str] = Counter()
    skip = stop_words()
    for text in texts:
        words = WORD.findall(text.lower())
        counter.update(w for w in words if normalise(w) not in skip and len(w) > 1)
    common = counter.most_common(limit)
    if not common:
        return []
    top = common[0][1]
    sized = [(word, count, 1 + round((CLOUD_SIZES - 1) * count / top)) for word, count in common]
    return sorted(sized, key=lambda item: item[0])
