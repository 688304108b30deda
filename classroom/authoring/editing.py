"""The editor's form: read a draft from the posted fields, apply an action, place problems.

Field names are the ids of the editor's inputs: shared ones such as `poll-2-type`, words of
one language such as `en-poll-2-question`. A checker problem (file and line) lands at the
field whose text starts at or before that line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from typing import Any

from ..lessons.checks import Problem
from ..lessons.parsing import LessonFile, as_mapping
from ..vocabulary import LANGUAGES
from .drafts import PROMPTS, empty_poll_text, section_id, with_languages

MAX_PHASES = 12
MAX_POLLS = 40
MAX_SECTIONS = 20
SECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ACTION = re.compile(r"^(?P<what>phase|poll|section)-(?P<index>\d{1,3})-(?P<verb>up|down|remove)$")

POLL_FIELDS = {
    "key": "poll-{i}-key", "phase": "poll-{i}-phase", "type": "poll-{i}-type",
    "correct": "poll-{i}-correct", "compare_to": "poll-{i}-compare_to",
    "range": "poll-{i}-range", "answer": "poll-{i}-answer", "sensitive": "poll-{i}-sensitive",
    "question": "{l}-poll-{i}-question", "options": "{l}-poll-{i}-options",
    "scale": "{l}-poll-{i}-scale", "unit": "{l}-poll-{i}-unit", "discuss": "{l}-poll-{i}-ask",
}  # fmt: skip
PHASE_FIELDS = {
    "key": "phase-{i}-key", "minutes": "phase-{i}-minutes",
    "title": "{l}-phase-{i}-title", "projector": "{l}-phase-{i}-projector",
}  # fmt: skip
FRONT_FIELDS = {
    "slug": "{l}-title", "title": "{l}-title", "summary": "{l}-summary",
    "duration_note": "{l}-duration_note", "goals": "{l}-goals", "themes": "themes",
    "levels": "levels", "years": "years", "values": "values", "duration": "duration",
    "phases": "phases", "polls": "polls",
}  # fmt: skip


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _count(form: Mapping[str, str], name: str, most: int) -> int:
    value = form.get(name, "")
    return min(int(value), most) if value.isdigit() else 0


def read_form(form: Any, current: dict[str, Any]) -> dict[str, Any]:
    """The draft as posted; languages the form did not carry keep their stored words."""
    get = form.get
    phase_count = _count(form, "phase-count", MAX_PHASES)
    poll_count = _count(form, "poll-count", MAX_POLLS)
    languages = [lang for lang in LANGUAGES if lang in current["texts"]]
    draft: dict[str, Any] = {
        "slug": current["slug"],
        "themes": form.getlist("themes"),
        "levels": form.getlist("levels"),
        "years": form.getlist("years"),
        "values": form.getlist("values"),
        "duration": get("duration", "").strip(),
        "phases": [
            {
                "key": get(f"phase-{i}-key", "").strip(),
                "minutes": get(f"phase-{i}-minutes", "").strip(),
            }
            for i in range(phase_count)
        ],
        "polls": [
            {
                "key": get(f"poll-{i}-key", "").strip(),
                "phase": get(f"poll-{i}-phase", ""),
                "type": get(f"poll-{i}-type", ""),
                "compare_to": get(f"poll-{i}-compare_to", ""),
                "correct": _option_index(get(f"poll-{i}-correct", "")),
                "range": [
                    get(f"poll-{i}-range-low", "").strip(),
                    get(f"poll-{i}-range-high", "").strip(),
                ],
                "answer": get(f"poll-{i}-answer", "").strip(),
                "sensitive": get(f"poll-{i}-sensitive") == "y",
            }
            for i in range(poll_count)
        ],
        "texts": {},
    }
    for lang in languages:
        draft["texts"][lang] = _read_words(form, lang, phase_count, poll_count)
    chosen = [lang for lang in LANGUAGES if lang in form.getlist("languages")]
    return with_languages(draft, chosen or languages)


def _option_index(value: str) -> str:
    """The editor numbers options from 1; the file counts from 0."""
    value = value.strip()
    if value.isdigit() and int(value) >= 1:
        return str(int(value) - 1)
    return value


def _read_words(form: Any, lang: str, phase_count: int, poll_count: int) -> dict[str, Any]:
    get = form.get
    section_ids = [s for s in get(f"{lang}-section-ids", "").split(",") if SECTION_ID.match(s)]
    return {
        "title": get(f"{lang}-title", "").strip(),
        "summary": get(f"{lang}-summary", "").strip(),
        "duration_note": get(f"{lang}-duration_note", "").strip(),
        "goals": _lines(get(f"{lang}-goals", "")),
        "phases": [
            {
                "title": get(f"{lang}-phase-{i}-title", "").strip(),
                "projector": get(f"{lang}-phase-{i}-projector", "").strip(),
                "guide_title": get(f"{lang}-phase-{i}-guide_title", "").strip(),
                "guide": get(f"{lang}-phase-{i}-guide", ""),
            }
            for i in range(phase_count)
        ],
        "polls": [
            {
                "question": get(f"{lang}-poll-{i}-question", "").strip(),
                "options": _lines(get(f"{lang}-poll-{i}-options", "")),
                "scale": [
                    get(f"{lang}-poll-{i}-scale-low", "").strip(),
                    get(f"{lang}-poll-{i}-scale-high", "").strip(),
                ],
                "unit": get(f"{lang}-poll-{i}-unit", "").strip(),
                "ask": _lines(get(f"{lang}-poll-{i}-ask", "")),
                **{p: get(f"{lang}-poll-{i}-{p}", "").strip() for p in PROMPTS},
            }
            for i in range(poll_count)
        ],
        "sections": [
            {
                "id": section_id,
                "title": get(f"{lang}-section-{section_id}-title", "").strip(),
                "body": get(f"{lang}-section-{section_id}-body", ""),
            }
            for section_id in dict.fromkeys(section_ids)
        ][:MAX_SECTIONS],
    }


# --- actions ---------------------------------------------------------------------------


def _move(items: list, index: int, verb: str) -> None:
    if verb == "remove":
        del items[index]
    elif verb == "up" and index > 0:
        items[index - 1], items[index] = items[index], items[index - 1]
    elif verb == "down" and index + 1 < len(items):
        items[index + 1], items[index] = items[index], items[index + 1]


def _free_key(taken: list[str], stem: str) -> str:
    number = len(taken) + 1
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


def apply_action(draft: dict[str, Any], action: str, poll_type: str = "single") -> str | None:
    """Add, move or remove a phase, poll or section; returns the field to show next."""
    texts = draft["texts"].values()
    if action == "add-poll" and len(draft["polls"]) < MAX_POLLS:
        key = _free_key([p["key"] for p in draft["polls"]], "poll")
        phase = draft["phases"][-1]["key"] if draft["phases"] else ""
        draft["polls"].append({"key": key, "phase": phase, "type": poll_type, "compare_to": "",
                               "correct": "", "range": ["0", "100"], "answer": "",
                               "sensitive": False})  # fmt: skip
        for words in texts:
            words["polls"].append(empty_poll_text())
        return f"poll-{len(draft['polls']) - 1}"
    if action == "add-phase" and len(draft["phases"]) < MAX_PHASES:
        key = _free_key([p["key"] for p in draft["phases"]], "phase")
        draft["phases"].append({"key": key, "minutes": "10"})
        for words in texts:
            words["phases"].append({"title": "", "projector": "", "guide_title": "", "guide": ""})
        return f"phase-{len(draft['phases']) - 1}"
    match = ACTION.match(action)
    if match is None:
        return None
    index, verb = int(match["index"]), match["verb"]
    if match["what"] == "section":
        for words in texts:
            if index < len(words["sections"]) and verb == "remove":
                del words["sections"][index]
        return "sections"
    shared = draft["phases"] if match["what"] == "phase" else draft["polls"]
    if index >= len(shared):
        return None
    _move(shared, index, verb)
    for words in texts:
        _move(words[f"{match['what']}s"], index, verb)
    return match["what"] + "s"


def add_section(draft: dict[str, Any], section_id: str, title: str) -> bool:
    """Add an extra guide section with this id to every language; False if it cannot be."""
    taken = {p["key"] for p in draft["phases"]}
    for words in draft["texts"].values():
        taken |= {s["id"] for s in words["sections"]}
    if not SECTION_ID.match(section_id) or section_id in taken:
        return False
    for words in draft["texts"].values():
        if len(words["sections"]) >= MAX_SECTIONS:
            return False
        tail = [i for i, s in enumerate(words["sections"]) if s["id"] in ("tips", "sources")]
        position = tail[0] if tail else len(words["sections"])
        words["sections"].insert(position, {"id": section_id, "title": title, "body": ""})
    return True


# --- problems at fields ----------------------------------------------------------------


def field_lines(lesson: LessonFile, language: str) -> list[tuple[int, str]]:
    """Every field of one language file with the file line where its text starts, in order."""
    front = lesson.front
    found: list[tuple[int, str]] = [(1, f"{language}-title")]

    def add(mapping, key: str, pattern: str, i: int = 0) -> None:
        if key in mapping.key_lines:
            found.append((lesson.line(mapping.line_of(key)), pattern.format(l=language, i=i)))

    for key, pattern in FRONT_FIELDS.items():
        add(front, key, pattern)
    phases = front.get("phases") if isinstance(front.get("phases"), list) else []
    for i, phase in enumerate(phases):
        if (mapping := as_mapping(phase)) is not None:
            for key, pattern in PHASE_FIELDS.items():
                add(mapping, key, pattern, i)
    polls = front.get("polls") if isinstance(front.get("polls"), list) else []
    for i, poll in enumerate(polls):
        if (mapping := as_mapping(poll)) is None:
            continue
        for key, pattern in POLL_FIELDS.items():
            add(mapping, key, pattern, i)
        if (discuss := as_mapping(mapping.get("discuss"))) is not None:
            for key in ("ask", *PROMPTS):
                add(discuss, key, f"{{l}}-poll-{{i}}-{key}", i)
    phase_index = {
        section_id(str(phase.get("key")), i): i
        for i, phase in enumerate(phases)
        if as_mapping(phase) is not None
    }
    for section in lesson.sections:
        if section.id in phase_index:
            name = f"{language}-phase-{phase_index[section.id]}-guide"
        else:
            name = f"{language}-section-{section.id}-body"
        found.append((section.line, name))
    return sorted(found, key=lambda item: item[0])


def place_problems(
    problems: list[Problem], lessons: dict[str, LessonFile]
) -> tuple[dict[str, list[Problem]], list[tuple[str | None, Problem]]]:
    """Problems by the field they concern, and all of them in order with their field."""
    maps = {language: field_lines(lesson, language) for language, lesson in lessons.items()}
    by_field: dict[str, list[Problem]] = {}
    listed: list[tuple[str | None, Problem]] = []
    for problem in sorted(problems, key=lambda p: (p.warning, p.path, p.line)):
        name = _field_at(maps, problem)
        if name is not None:
            by_field.setdefault(name, []).append(problem)
        listed.append((name, problem))
    return by_field, listed


def _field_at(maps: dict[str, list[tuple[int, str]]], problem: Problem) -> str | None:
    file_name = problem.path.rsplit("/", 1)[-1]
    language = file_name.removesuffix(".md")
    lines = maps.get(language)
    if not lines:
        # A file that could not be read at all: its title field stands for it.
        return f"{language}-title" if language in LANGUAGES else None
    position = bisect.bisect_right([line for line, _name in lines], problem.line) - 1
    return lines[max(position, 0)][1]
