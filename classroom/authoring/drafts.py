"""A module as the editor holds it (a draft), written to and read from lesson files.

A draft is plain data: what both languages share (keys, minutes, types, vocabularies) and
per language the words. Writing it gives the `nl.md`/`en.md` texts of the lessons/ format;
reading parsed files gives it back, so the library's checker, renderer and archive serve.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import yaml

from ..lessons.parsing import LessonFile, as_mapping
from ..questions import find_type
from ..vocabulary import LANGUAGES

FIXED_HEAD = ("preparation", "not-ready")
SECTION_ID = re.compile(r"^[a-z0-9-]+$")
PROMPTS = ("split", "unanimous", "alone")


def empty_text() -> dict[str, Any]:
    """The words of a module in one language, all empty."""
    return {"title": "", "summary": "", "duration_note": "", "goals": [], "phases": [],
            "polls": [], "sections": []}  # fmt: skip


def empty_poll_text() -> dict[str, Any]:
    """The words of one poll in one language, all empty."""
    return {"question": "", "options": [], "scale": ["", ""], "unit": "", "ask": [],
            "split": "", "unanimous": "", "alone": ""}  # fmt: skip


# --- writing files ---------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """YAML as a person writes it: texts over several lines as a '|' block."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    lines = value.splitlines()
    # A line '---' inside a block would end the front matter: such text stays quoted.
    if len(lines) > 1 and not any(line.strip() in ("---", "...") for line in lines):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_text)


def _number(value: Any) -> Any:
    """A whole number from a form or a file when it is one; otherwise the value as it is."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


def _decimal(value: Any) -> Any:
    """A number (whole or decimal) when the text is one; otherwise the value as it is."""
    if not isinstance(value, str):
        return value
    text = value.strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in text else number


def _poll_front(poll: dict[str, Any], words: dict[str, Any]) -> dict[str, Any]:
    kind = poll["type"]
    front: dict[str, Any] = {
        "key": poll["key"], "phase": poll["phase"], "type": kind, "question": words["question"],
    }  # fmt: skip
    found = find_type(kind)
    fields = found.wording_fields if found else ()
    if "options" in fields:
        front["options"] = list(words["options"])
        if poll.get("correct") not in (None, "") and "correct" in fields:
            front["correct"] = _number(poll["correct"])
    if "scale" in fields:
        front["scale"] = list(words["scale"])
    if "range" in fields:
        front["range"] = [_number(bound) for bound in poll["range"]]
        if words.get("unit"):
            front["unit"] = words["unit"]
        if poll.get("answer") not in (None, ""):
            front["answer"] = _decimal(poll["answer"])
    if poll.get("compare_to"):
        front["compare_to"] = poll["compare_to"]
    if poll.get("sensitive"):
        front["sensitive"] = True
    discuss: dict[str, Any] = {"ask": list(words["ask"])}
    for prompt in PROMPTS:
        needed = not (found and found.is_text) and not (prompt == "alone" and poll.get("sensitive"))
        if words.get(prompt) or needed:
            discuss[prompt] = words.get(prompt) or ""
    front["discuss"] = discuss
    return front


def _front(draft: dict[str, Any], language: str) -> dict[str, Any]:
    words = draft["texts"][language]
    front: dict[str, Any] = {
        "slug": draft["slug"],
        "title": words["title"],
        "summary": words["summary"],
        "themes": list(draft["themes"]),
        "levels": list(draft["levels"]),
        "years": list(draft["years"]),
        "duration": _number(draft["duration"]),
    }
    if words.get("duration_note"):
        front["duration_note"] = words["duration_note"]
    front["values"] = list(draft["values"])
    front["goals"] = list(words["goals"])
    phases = []
    for phase, phase_words in zip(draft["phases"], words["phases"], strict=True):
        entry = {"key": phase["key"], "title": phase_words["title"],
                 "minutes": _number(phase["minutes"])}  # fmt: skip
        if phase_words.get("projector"):
            entry["projector"] = phase_words["projector"]
        phases.append(entry)
    front["phases"] = phases
    front["polls"] = [
        _poll_front(poll, poll_words)
        for poll, poll_words in zip(draft["polls"], words["polls"], strict=True)
    ]
    return front


def section_id(key: str, index: int) -> str:
    """The guide section id of a phase: its key, or a stand-in while the key is not valid."""
    return key if SECTION_ID.match(key) else f"phase-{index + 1}"


def _heading(title: str, section_id: str) -> str:
    title = " ".join(str(title).split()) or section_id
    return f"## {title} {{#{section_id}}}"


def _body(text: str) -> str:
    # A '## ' line would start a new section of the file: inside a section it is a subheading.
    lines = ["#" + line if line.startswith("## ") else line for line in str(text).splitlines()]
    return "\n".join(lines).strip()


def write_file(draft: dict[str, Any], language: str) -> str:
    """The lesson file of one language: YAML front matter, then the guide sections."""
    front = yaml.dump(
        _front(draft, language), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000
    )
    words = draft["texts"][language]
    sections = words["sections"]
    head = [s for s in sections if s["id"] in FIXED_HEAD]
    tail = [s for s in sections if s["id"] not in FIXED_HEAD]
    phase_sections = [
        {
            "id": section_id(phase["key"], index),
            "title": phase_words["guide_title"],
            "body": phase_words["guide"],
        }
        for index, (phase, phase_words) in enumerate(
            zip(draft["phases"], words["phases"], strict=True)
        )
    ]
    parts = [f"---\n{front}---"]
    for section in (*head, *phase_sections, *tail):
        parts.append(f"{_heading(section['title'], section['id'])}\n\n{_body(section['body'])}")
    return "\n\n".join(parts) + "\n"


def write_files(draft: dict[str, Any], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The module's files: a guide per language of the draft, plus extra files (packs) kept."""
    files = {f"{lang}.md": write_file(draft, lang) for lang in LANGUAGES if lang in draft["texts"]}
    for name, text in (extra or {}).items():
        language = name.removeprefix("pack.").removesuffix(".md")
        if name.startswith("pack.") and language in draft["texts"]:
            files[name] = text
    return files


# --- reading files ---------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _texts(value: Any) -> list[str]:
    return [_text(item) for item in value] if isinstance(value, list) else []


def _pair(value: Any) -> list[str]:
    items = _texts(value)
    return [*items, "", ""][:2]


def _mappings(value: Any) -> list:
    return (
        [item for item in value if as_mapping(item) is not None] if isinstance(value, list) else []
    )


def read_draft(slug: str, lessons: dict[str, LessonFile]) -> dict[str, Any]:
    """The draft of parsed lesson files (the first language gives what both share)."""
    languages = [lang for lang in LANGUAGES if lang in lessons]
    first = lessons[languages[0]].front
    phases = _mappings(first.get("phases"))
    polls = _mappings(first.get("polls"))
    draft: dict[str, Any] = {
        "slug": slug,
        "themes": _texts(first.get("themes")),
        "levels": _texts(first.get("levels")),
        "years": _texts(first.get("years")),
        "values": _texts(first.get("values")),
        "duration": _text(first.get("duration")),
        "phases": [
            {"key": _text(p.get("key")), "minutes": _text(p.get("minutes"))} for p in phases
        ],
        "polls": [
            {
                "key": _text(p.get("key")),
                "phase": _text(p.get("phase")),
                "type": _text(p.get("type")),
                "compare_to": _text(p.get("compare_to")),
                "correct": _text(p.get("correct")),
                "range": _pair(p.get("range")),
                "answer": _text(p.get("answer")),
                "sensitive": p.get("sensitive") is True,
            }
            for p in polls
        ],
        "texts": {},
    }
    for language in languages:
        draft["texts"][language] = _read_words(lessons[language], len(phases), len(polls))
    return draft


def _read_words(lesson: LessonFile, phase_count: int, poll_count: int) -> dict[str, Any]:
    front = lesson.front
    sections = {section.id: section for section in lesson.sections}
    phases = _mappings(front.get("phases"))
    polls = _mappings(front.get("polls"))
    words = empty_text()
    words.update(
        title=_text(front.get("title")),
        summary=_text(front.get("summary")),
        duration_note=_text(front.get("duration_note")),
        goals=_texts(front.get("goals")),
    )
    phase_keys = set()
    for index in range(phase_count):
        phase = phases[index] if index < len(phases) else {}
        key = section_id(_text(phase.get("key")), index)
        phase_keys.add(key)
        guide = sections.get(key)
        words["phases"].append({
            "title": _text(phase.get("title")),
            "projector": _text(phase.get("projector")),
            "guide_title": guide.title if guide else "",
            "guide": guide.markdown if guide else "",
        })  # fmt: skip
    for index in range(poll_count):
        poll = polls[index] if index < len(polls) else {}
        discuss = as_mapping(poll.get("discuss")) or {}
        words["polls"].append({
            "question": _text(poll.get("question")),
            "options": _texts(poll.get("options")),
            "scale": _pair(poll.get("scale")),
            "unit": _text(poll.get("unit")),
            "ask": _texts(discuss.get("ask")),
            **{prompt: _text(discuss.get(prompt)) for prompt in PROMPTS},
        })  # fmt: skip
    words["sections"] = [
        {"id": s.id, "title": s.title, "body": s.markdown}
        for s in lesson.sections
        if s.id not in phase_keys
    ]
    return words


def with_languages(draft: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    """The draft in these languages: a new language starts as a copy of an existing one."""
    chosen = [lang for lang in LANGUAGES if lang in languages]
    if not chosen:
        return draft
    result = copy.deepcopy(draft)
    source = next(iter(draft["texts"].values()))
    result["texts"] = {lang: copy.deepcopy(draft["texts"].get(lang) or source) for lang in chosen}
    return result
