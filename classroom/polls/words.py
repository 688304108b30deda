"""Words in open answers: pre-flagging for the teacher, and counts for word clouds."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WORDLISTS = Path(__file__).parent / "wordlists"
LONG_ENOUGH_TO_MATCH_INSIDE = 5
WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
CLOUD_SIZES = 6
WHOLE_ANSWER_SIZE = 2  # a flagged answer kept whole in a cloud stays small
# A question that asks for one word, in either language ("Eén woord voor…", "In one word…").
ONE_WORD = re.compile(r"\b(?:een|1|one|single) (?:woord|word)\b")


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


def distress_words() -> tuple[str, ...]:
    """Words of both languages that may tell of self-harm, abuse or someone being hurt."""
    return _read("distress.nl.txt") + _read("distress.en.txt")


def _own_words(extra: str | None) -> tuple[str, ...]:
    return tuple(normalise(w.strip()) for w in (extra or "").splitlines() if w.strip())


def flag_words(extra: str | None = None) -> tuple[str, ...]:
    """The flag words of both languages (abusive, distress) plus a school's own (one a line)."""
    return _read("flag.nl.txt") + _read("flag.en.txt") + distress_words() + _own_words(extra)


def first_match(text: str, words: tuple[str, ...]) -> str | None:
    """The first listed word the text contains (long words also inside compounds), or None."""
    clean = normalise(text)
    tokens = set(WORD.findall(clean))
    padded = f" {' '.join(WORD.findall(clean))} "
    for word in words:
        if " " in word and f" {word} " in padded:
            return word
        if len(word) >= LONG_ENOUGH_TO_MATCH_INSIDE and word in clean:
            return word
        if word in tokens:
            return word
    return None


def is_flagged(text: str, words: tuple[str, ...]) -> bool:
    """Whether the text contains a flag word (long words also inside compounds)."""
    return first_match(text, words) is not None


@dataclass(frozen=True)
class Flag:
    """Why an open answer is flagged: "distress" (a possible disclosure), "abusive" or
    "school" (the school's own list), and the listed word that matched."""

    kind: str
    word: str


def flag_of(text: str, school_words: str | None = None) -> Flag | None:
    """Why the text is flagged, or None; a possible disclosure goes first, as it asks most
    of the teacher ("kill myself" is distress, not the threat "kill")."""
    lists = (
        ("distress", distress_words()),
        ("abusive", _read("flag.nl.txt") + _read("flag.en.txt")),
        ("school", _own_words(school_words)),
    )
    for kind, words in lists:
        if (word := first_match(text, words)) is not None:
            return Flag(kind, word)
    return None


def asks_for_one_word(wordings: Iterable[str]) -> bool:
    """Whether a question asks for one word, going by its wording in any language.

    Only then does a word cloud split answers into words: students were asked for a
    word, and "boos, moe" is two of them. Elsewhere answers are sentences.
    """
    return any(ONE_WORD.search(normalise(wording)) for wording in wordings)


def stop_words() -> frozenset[str]:
    """Words left out of word clouds, Dutch and English together."""
    return frozenset(_read("stop.nl.txt") + _read("stop.en.txt"))


def word_counts(texts: list[str], *, one_word: bool, limit: int = 40) -> list[tuple[str, int, int]]:
    """The most frequent words as (word, count, size 1-6), alphabetical for display.

    Only a one-word question gets a cloud. Splitting sentences would scatter an answer,
    a disclosure among them, over the wall in big loose words; other questions show
    their answers whole in the list. Even in a one-word question an answer of several
    words with a flag word in it stays whole.
    """
    if not one_word:
        return []
    counter: Counter[str] = Counter()
    whole: set[str] = set()
    skip = stop_words()
    flags = flag_words()
    for text in texts:
        words = WORD.findall(text.lower())
        if len(words) > 1 and is_flagged(text, flags):
            answer = " ".join(text.split())
            whole.add(answer)
            counter[answer] += 1
            continue
        counter.update(w for w in words if normalise(w) not in skip and len(w) > 1)
    common = counter.most_common(limit)
    if not common:
        return []
    top = common[0][1]
    sized = [(word, count, _cloud_size(count, top, small=word in whole)) for word, count in common]
    return sorted(sized, key=lambda item: item[0])


def _cloud_size(count: int, top: int, *, small: bool) -> int:
    """Size 1-6 by count; an answer kept whole is never shown big."""
    size = 1 + round((CLOUD_SIZES - 1) * count / top)
    return min(size, WHOLE_ANSWER_SIZE) if small else size
