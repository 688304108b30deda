"""The guided start: a pre- and post-discussion skeleton for a play, film, book, trip or news.

The skeleton passes the library's checker as it is: phases with minutes (a joining step and
slack), pre/post pairs that fit any piece, the ground rules referenced, one line per guide
section on what belongs there, sensitive polls marked and worded as the rules ask.
"""

from __future__ import annotations

from typing import Any

from ..questions import question_type
from .drafts import empty_poll_text

KINDS = ("play", "film", "book", "excursion", "news")

# What the class goes to, in a sentence ("the film ..."), and what it does with it.
PIECE = {
    "nl": {"play": "de voorstelling", "film": "de film", "book": "het boek",
           "excursion": "de excursie", "news": "het nieuws"},
    "en": {"play": "the play", "film": "the film", "book": "the book",
           "excursion": "the excursion", "news": "the news event"},
}  # fmt: skip
ACTIVITY = {
    "nl": {"play": "Plus de voorstelling zelf.", "film": "Plus het kijken van de film.",
           "book": "Plus het lezen van het boek.", "excursion": "Plus de excursie zelf.",
           "news": "Plus het bekijken of lezen van het nieuwsbericht."},
    "en": {"play": "Plus the play itself.", "film": "Plus watching the film.",
           "book": "Plus reading the book.", "excursion": "Plus the excursion itself.",
           "news": "Plus watching or reading the news item."},
}  # fmt: skip
TITLE = {"nl": "Voor- en nagesprek bij {piece}", "en": "Pre- and post-discussion: {piece}"}
PRE_MINUTES, POST_MINUTES = 45, 45

WORDS: dict[str, dict[str, Any]] = {
    "nl": {
        "summary": "Een voorgesprek en een nagesprek bij {piece}: verwachtingen en gevoelens "
        "vooraf, wat bleef hangen en wat veranderde erna.",
        "goals": [
            "Je zegt wat je verwacht van {piece} en waarom.",
            "Je vertelt wat je is bijgebleven en wat dat met je deed.",
            "Je luistert naar klasgenoten die er anders over denken.",
        ],
        "phases": ("Voorgesprek", "Nagesprek"),
        "projector": (
            "Let tijdens {piece} op:\n\n- een moment dat je raakt\n- een vraag die je krijgt",
            "**Wat bleef hangen?** · **Wat veranderde?** · **Welke vraag blijft?**",
        ),
        "guides": (
            "### 1. Meedoen (3 min)\n\nDe leerlingen openen de link of scannen de code.\n\n"
            "### 2. Gespreksregels (5 min)\n\nBespreek de gespreksregels.\n\n"
            "### 3. Verwachtingen (12 min)\n\nWat weten en verwachten de leerlingen?\n\n"
            "### 4. Gevoelens vooraf (12 min)\n\nHoe staan ze tegenover het onderwerp?\n\n"
            "### 5. Kijkopdracht (5 min)\n\nGeef mee waar ze op letten.",
            "### 1. Meedoen (3 min)\n\nDe leerlingen doen weer mee met een nieuwe code.\n\n"
            "### 2. Wat bleef hangen (12 min)\n\nBegin bij de eerste indrukken.\n\n"
            "### 3. Wat veranderde (12 min)\n\nVergelijk met de antwoorden van vooraf.\n\n"
            "### 4. Thuis voelen (8 min)\n\nPraat over erbij horen, zonder iemand aan te wijzen.",
        ),
        "sections": {
            "preparation": (
                "Voorbereiding",
                (
                    "Wat je leest en klaarzet; hang de gespreksregels op (zie hieronder).\n\n"
                    "- **Telefoons**: alleen voor de peilingen, daarna weer weg.\n"
                    "- **Laptops**: laat de korte link groot zien.\n"
                    "- **Eén gedeeld apparaat**: ‘Voorgesprek’: 4 peilingen, 24 min; "
                    "‘Nagesprek’: 5 peilingen, 28 min. Een stemhokje, één leerling tegelijk; "
                    "de ronde blijft open zolang de fase op het scherm staat.\n"
                    "- **Papier**: de antwoordstrookjes van de printpagina, een doos, turven.\n"
                    "- **Handen omhoog**: alleen voor vragen die niet gevoelig zijn; niet anoniem."
                ),
            ),
            "not-ready": (
                "Wanneer niet",
                "Signalen dat de klas niet klaar is voor dit gesprek, "
                "en wat je dan in plaats daarvan doet.",
            ),
            "tips": ("Tips voor de gespreksleider", "Wat helpt om het gesprek open te houden."),
            "sources": (
                "Bronnen",
                "Schrijf hier de bronnen die je gebruikt: auteur, titel, jaar en link.",
            ),
        },
        "polls": {
            "expect": "Wat verwacht je van {piece}?",
            "feel": "Welk gevoel heb je bij het onderwerp van {piece}?",
            "feelings": [
                "Nieuwsgierig",
                "Onzeker",
                "Boos",
                "Verdrietig",
                "Hoopvol",
                "Het laat me koud",
            ],
            "know": "Ik weet veel over het onderwerp van {piece}.",
            "scale": ["Helemaal oneens", "Helemaal eens"],
            "home": "Ik voel me thuis in deze klas.",
            "stayed": "Wat is je het meest bijgebleven?",
            "question": "Welke vraag laat {piece} bij je achter?",
        },
        "ask": {
            "expect": "Waar komt die verwachting vandaan?",
            "feel": "Wat maakt dat je je zo voelt?",
            "know": "Waar heb je wat je weet van gehoord of gelezen?",
            "home": "Wat helpt om je ergens thuis te voelen?",
            "stayed": "Waarom juist dat moment?",
            "question": "Wie heeft een antwoord, of een betere vraag?",
        },
        "split": "De klas is verdeeld: vraag iemand van elke kant om uit te leggen waarom.",
        "unanimous": "Bijna iedereen is het eens: vraag wie er toch een andere kant ziet.",
        "alone": "Eén antwoord staat apart: vraag of iemand die kant kan uitleggen, zonder te "
        "raden wie het gaf.",
        "sensitive_split": "Niet iedereen voelt zich hier even thuis. Vraag wat helpt, niet wie. "
        "Wie er liever alleen over praat, kan naar de mentor of vertrouwenspersoon.",
        "sensitive_unanimous": "Ook als bijna iedereen zich thuis voelt: niet iedereen hoeft "
        "het te zeggen. De mentor of vertrouwenspersoon luistert altijd.",
    },
    "en": {
        "summary": "A pre-discussion and a post-discussion for {piece}: expectations and "
        "feelings before, what stayed with you and what changed after.",
        "goals": [
            "You say what you expect of {piece} and why.",
            "You tell what stayed with you and what it did to you.",
            "You listen to classmates who see it differently.",
        ],
        "phases": ("Pre-discussion", "Post-discussion"),
        "projector": (
            "During {piece}, look for:\n\n- a moment that moves you\n- a question it raises",
            "**What stayed?** · **What changed?** · **Which question remains?**",
        ),
        "guides": (
            "### 1. Joining (3 min)\n\nStudents open the link or scan the code.\n\n"
            "### 2. Ground rules (5 min)\n\nGo through the ground rules.\n\n"
            "### 3. Expectations (12 min)\n\nWhat do students know and expect?\n\n"
            "### 4. Feelings before (12 min)\n\nHow do they feel about the subject?\n\n"
            "### 5. Viewing task (5 min)\n\nTell them what to look for.",
            "### 1. Joining (3 min)\n\nStudents join again with a new code.\n\n"
            "### 2. What stayed with you (12 min)\n\nStart with first impressions.\n\n"
            "### 3. What changed (12 min)\n\nCompare with the answers from before.\n\n"
            "### 4. Feeling at home (8 min)\n\nTalk about belonging, without pointing at anyone.",
        ),
        "sections": {
            "preparation": (
                "Preparation",
                (
                    "What to read and set up; put up the ground rules (see below).\n\n"
                    "- **Phones**: only for the polls, then away again.\n"
                    "- **Laptops**: show the short link big.\n"
                    "- **One shared device**: ‘Pre-discussion’: 4 polls, 24 min; "
                    "‘Post-discussion’: 5 polls, 28 min. A voting booth, one student at a "
                    "time; the round stays open while the phase is on the screen.\n"
                    "- **Paper**: the answer slips from the print page, a box, a tally.\n"
                    "- **Hands up**: only for questions that are not sensitive; not anonymous."
                ),
            ),
            "not-ready": (
                "When not to",
                "Signs that the class is not ready for this conversation, and what to do instead.",
            ),
            "tips": ("Tips for the facilitator", "What helps to keep the conversation open."),
            "sources": ("Sources", "Write the sources you use here: author, title, year and link."),
        },
        "polls": {
            "expect": "What do you expect of {piece}?",
            "feel": "What do you feel about the subject of {piece}?",
            "feelings": ["Curious", "Unsure", "Angry", "Sad", "Hopeful", "Indifferent"],
            "know": "I know a lot about the subject of {piece}.",
            "scale": ["Strongly disagree", "Strongly agree"],
            "home": "I feel at home in this class.",
            "stayed": "What stayed with you most?",
            "question": "Which question does {piece} leave you with?",
        },
        "ask": {
            "expect": "Where does that expectation come from?",
            "feel": "What makes you feel this way?",
            "know": "Where did you hear or read what you know?",
            "home": "What helps you feel at home somewhere?",
            "stayed": "Why that moment?",
            "question": "Who has an answer, or a better question?",
        },
        "split": "The class is divided: ask someone from each side to explain why.",
        "unanimous": "Nearly everyone agrees: ask who still sees another side.",
        "alone": "One answer stands apart: ask whether someone can explain that side, without "
        "guessing who gave it.",
        "sensitive_split": "Not everyone feels equally at home here. Ask what helps, not who. "
        "Whoever would rather talk alone can go to the mentor or confidential adviser.",
        "sensitive_unanimous": "Even if nearly everyone feels at home: not everyone has to say "
        "so. The mentor or confidential adviser always listens.",
    },
}

# key, phase, type, text key, compare_to, sensitive
POLLS = (
    ("expect", "pre", "text", "expect", None, False),
    ("feel-pre", "pre", "single", "feel", None, False),
    ("know-pre", "pre", "scale", "know", None, False),
    ("home-pre", "pre", "scale", "home", None, True),
    ("stayed", "post", "text", "stayed", None, False),
    ("feel-post", "post", "single", "feel", "feel-pre", False),
    ("know-post", "post", "scale", "know", "know-pre", False),
    ("home-post", "post", "scale", "home", "home-pre", True),
    ("question", "post", "text", "question", None, False),
)


def skeleton(slug: str, kind: str, languages: list[str], name: str = "") -> dict[str, Any]:
    """A draft module for taking a class to a piece of this kind, in these languages."""
    draft: dict[str, Any] = {
        "slug": slug,
        "themes": ["dialogue", "belonging"],
        "levels": ["vmbo", "havo", "vwo"],
        "years": ["lower", "upper"],
        "values": ["freedom", "equality", "solidarity"],
        "duration": str(PRE_MINUTES + POST_MINUTES),
        "phases": [
            {"key": "pre", "minutes": str(PRE_MINUTES)},
            {"key": "post", "minutes": str(POST_MINUTES)},
        ],
        "polls": [
            {
                "key": key,
                "phase": phase,
                "type": kind_,
                "compare_to": compare or "",
                "correct": "",
                "range": ["", ""],
                "answer": "",
                "sensitive": sensitive,
            }
            for key, phase, kind_, _words, compare, sensitive in POLLS
        ],
        "texts": {lang: _words(kind, lang, name) for lang in languages},
    }
    return draft


def _words(kind: str, language: str, name: str) -> dict[str, Any]:
    words = WORDS[language]
    piece = PIECE[language][kind]
    named = f"{piece} \u201c{name.strip()}\u201d" if name.strip() else piece

    def fill(text: str) -> str:
        return text.format(piece=named)

    return {
        "title": TITLE[language].format(piece=named)[:120],
        "summary": fill(words["summary"])[:200],
        "duration_note": ACTIVITY[language][kind],
        "goals": [fill(goal) for goal in words["goals"]],
        "phases": [
            {
                "title": title,
                "projector": fill(projector)[:600],
                "guide_title": title,
                "guide": guide,
            }
            for title, projector, guide in zip(
                words["phases"], words["projector"], words["guides"], strict=True
            )
        ],
        "polls": [
            _poll(words, key, kind_, text_key, sensitive, fill)
            for key, _phase, kind_, text_key, _compare, sensitive in POLLS
        ],
        "sections": [
            {"id": section_id, "title": title, "body": body}
            for section_id, (title, body) in words["sections"].items()
        ],
    }


def _poll(words, key, type_name, text_key, sensitive, fill) -> dict[str, Any]:
    kind = question_type(type_name)
    poll = empty_poll_text()
    poll["question"] = fill(words["polls"][text_key])[:200]
    poll["ask"] = [words["ask"][text_key]]
    # The skeleton's choice polls ask how the class feels; its scales share one pair of ends.
    if kind.has_options:
        poll["options"] = list(words["polls"]["feelings"])
    if "scale" in kind.wording_fields:
        poll["scale"] = list(words["polls"]["scale"])
    if not kind.is_text:
        if sensitive:
            poll["split"] = words["sensitive_split"]
            poll["unanimous"] = words["sensitive_unanimous"]
        else:
            poll.update(split=words["split"], unanimous=words["unanimous"], alone=words["alone"])
    return poll
