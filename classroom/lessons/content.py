"""Lesson modules as the app uses them: validated, rendered once, cached per app."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import markdown
from flask import current_app
from flask_babel import force_locale
from markupsafe import Markup

from ..questions import QuestionType, question_type
from ..vocabulary import DEFAULT_LANGUAGE, LANGUAGES
from .checks import (
    Problem,
    check_ground_rules,
    check_module_folder,
    module_file_names,
    module_folders,
)
from .parsing import LessonFile, parse_lesson_text
from .rules import pack_paths

log = logging.getLogger(__name__)

BARE_URL = re.compile(r"(?<![<(\[\"'])\b(https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"])")
MARKDOWN_EXTENSIONS = ["attr_list", "tables", "sane_lists"]


def render_markdown(text: str) -> Markup:
    """Render trusted lesson Markdown to HTML; bare links become clickable."""
    html = markdown.markdown(BARE_URL.sub(r"<\1>", text), extensions=MARKDOWN_EXTENSIONS)
    # Lesson files are reviewed in git like code, never user input.
    return Markup(html)  # noqa: S704  # nosec B704


@dataclass(frozen=True)
class Discussion:
    """Prompts for the teacher when a poll's results are on the screen."""

    ask: tuple[str, ...]
    split: str | None
    unanimous: str | None
    alone: str | None


@dataclass(frozen=True)
class Poll:
    """A poll as written in a module, in one language."""

    key: str
    phase: str
    type: str
    question: str
    options: tuple[str, ...]
    scale: tuple[str, str] | None
    correct: int | None
    compare_to: str | None
    discuss: Discussion
    range: tuple[int, int] | None = None
    unit: str | None = None
    answer: float | None = None
    sensitive: bool = False

    @property
    def kind(self) -> QuestionType:
        """The poll's kind of question (its slip on the printed pack, among others)."""
        return question_type(self.type)

    def as_content(self) -> dict[str, Any]:
        """Return the wording that a run copies into its database row."""
        return {
            "question": self.question,
            "options": list(self.options),
            "scale": list(self.scale) if self.scale else None,
            "range": list(self.range) if self.range else None,
            "unit": self.unit,
            "answer": self.answer,
            "discuss": {
                "ask": list(self.discuss.ask),
                "split": self.discuss.split,
                "unanimous": self.discuss.unanimous,
                "alone": self.discuss.alone,
            },
        }


@dataclass(frozen=True)
class Section:
    """A rendered section of the teacher guide."""

    id: str
    title: str
    html: Markup


@dataclass(frozen=True)
class Phase:
    """A step of the lesson flow, with its guide section and polls."""

    key: str
    title: str
    minutes: int
    guide: Section
    polls: tuple[Poll, ...]
    projector: str | None = None  # Markdown the projector shows during the phase
    session_ends: bool = False  # the lesson breaks here into a next session (another day)


@dataclass(frozen=True)
class LessonText:
    """One module in one language."""

    slug: str
    language: str
    title: str
    summary: str
    themes: tuple[str, ...]
    levels: tuple[str, ...]
    years: tuple[str, ...]
    values: tuple[str, ...]
    duration: int
    duration_note: str | None
    goals: tuple[str, ...]
    phases: tuple[Phase, ...]
    polls: tuple[Poll, ...]
    sections: dict[str, Section]

    @property
    def pair_count(self) -> int:
        """Number of pre/post poll pairs."""
        return sum(1 for poll in self.polls if poll.compare_to)

    def other_sections(self) -> list[Section]:
        """Guide sections that are neither phases nor the fixed ones."""
        fixed = {"preparation", "not-ready", "tips", "sources"} | {p.key for p in self.phases}
        return [section for section in self.sections.values() if section.id not in fixed]


@dataclass(frozen=True)
class Handout:
    """One printable handout of a module's pack: a '## ' heading and what follows."""

    title: str
    html: Markup


@dataclass(frozen=True)
class Module:
    """A lesson module in all its languages."""

    slug: str
    texts: dict[str, LessonText]
    packs: dict[str, tuple[Handout, ...]] = field(default_factory=dict)
    # The texts it was built from by file name (`nl.md`, `pack.en.md`, ...), as a run keeps them.
    files: dict[str, str] = field(default_factory=dict)
    # Reviewed in git and rendered as such: the library's only, never a teacher's module.
    trusted: bool = False

    def text(self, language: str) -> LessonText:
        """Return the module in the language, else in Dutch, else in the language it has."""
        return (
            self.texts.get(language)
            or self.texts.get(DEFAULT_LANGUAGE)
            or next(iter(self.texts.values()))
        )


def build_text(
    lesson: LessonFile, language: str, render: Callable[[str], Markup] = render_markdown
) -> LessonText:
    """Build a checked lesson file into a LessonText, its Markdown rendered by `render`."""
    front = lesson.front
    sections = {s.id: Section(s.id, s.title, render(s.markdown)) for s in lesson.sections}
    polls = tuple(_build_poll(poll) for poll in front["polls"])
    phases = tuple(
        Phase(
            key=phase["key"],
            title=phase["title"],
            minutes=phase["minutes"],
            guide=sections[phase["key"]],
            polls=tuple(poll for poll in polls if poll.phase == phase["key"]),
            projector=phase.get("projector"),
            session_ends=phase.get("session_ends") is True,
        )
        for phase in front["phases"]
    )
    return LessonText(
        slug=front["slug"],
        language=language,
        title=front["title"],
        summary=front["summary"],
        themes=tuple(front["themes"]),
        levels=tuple(front["levels"]),
        years=tuple(front["years"]),
        values=tuple(front["values"]),
        duration=front["duration"],
        duration_note=front.get("duration_note"),
        goals=tuple(front["goals"]),
        phases=phases,
        polls=polls,
        sections=sections,
    )


def _build_poll(poll: dict[str, Any]) -> Poll:
    discuss = poll["discuss"]
    return Poll(
        key=poll["key"],
        phase=poll["phase"],
        type=poll["type"],
        question=poll["question"],
        options=tuple(poll.get("options") or ()),
        scale=tuple(poll["scale"]) if poll.get("scale") else None,
        correct=poll.get("correct"),
        compare_to=poll.get("compare_to"),
        range=tuple(poll["range"]) if poll.get("range") else None,
        unit=poll.get("unit"),
        answer=poll.get("answer"),
        sensitive=poll.get("sensitive") is True,
        discuss=Discussion(
            ask=tuple(discuss["ask"]),
            split=discuss.get("split"),
            unanimous=discuss.get("unanimous"),
            alone=discuss.get("alone"),
        ),
    )


def split_handouts(
    text: str, render: Callable[[str], Markup] = render_markdown
) -> tuple[Handout, ...]:
    """Split a pack into handouts at its '## ' headings and render each one."""
    chunks: list[list[str]] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            chunks.append([])
        if chunks:
            chunks[-1].append(line)
    return tuple(Handout(chunk[0][3:].strip(), render("\n".join(chunk))) for chunk in chunks)


def build_module(
    slug: str, files: dict[str, str], *, trusted: bool, render: Callable[[str], Markup]
) -> Module:
    """Build a module from texts that passed the checks before (kept as they were), unchecked."""
    texts = {
        language: build_text(
            parse_lesson_text(files[f"{language}.md"], Path(f"{language}.md")), language, render
        )
        for language in LANGUAGES
        if f"{language}.md" in files
    }
    packs = {
        language: split_handouts(files[f"pack.{language}.md"], render)
        for language in texts
        if f"pack.{language}.md" in files
    }
    return Module(slug, texts, packs, dict(files), trusted)


def _build_packs(folder: Path) -> dict[str, tuple[Handout, ...]]:
    return {
        language: split_handouts(path.read_text(encoding="utf-8"))
        for language, path in pack_paths(folder).items()
    }


def _read_files(folder: Path) -> dict[str, str]:
    return {
        name: (folder / name).read_text(encoding="utf-8")
        for name in module_file_names()
        if (folder / name).is_file()
    }


class Library:
    """All valid modules of a lessons folder, plus the problems of the invalid ones."""

    def __init__(self, lessons_dir: Path) -> None:
        self.lessons_dir = lessons_dir
        self.modules: dict[str, Module] = {}
        self.problems: list[Problem] = check_ground_rules(lessons_dir)
        self.warnings: list[Problem] = []
        for folder in module_folders(lessons_dir):
            files, found = check_module_folder(folder)
            problems = [problem for problem in found if not problem.warning]
            self.warnings += [problem for problem in found if problem.warning]
            self.problems += problems
            if problems:
                continue
            texts = {language: build_text(files[language], language) for language in files}
            self.modules[folder.name] = Module(
                folder.name, texts, _build_packs(folder), _read_files(folder), trusted=True
            )

    def get(self, slug: str) -> Module | None:
        """Return the module with this slug, if it exists and is valid."""
        return self.modules.get(slug)

    @cached_property
    def ground_rules(self) -> dict[str, Markup]:
        """The shared ground rules per language, rendered."""
        rules = {}
        for language in LANGUAGES:
            path = self.lessons_dir / f"ground-rules.{language}.md"
            if path.is_file():
                rules[language] = render_markdown(path.read_text(encoding="utf-8"))
        return rules


def get_library() -> Library:
    """Return the current app's library, loading and rendering it on first use."""
    library = current_app.extensions.get("lesson_library")
    if library is None:
        library = shared_library(Path(current_app.config["LESSONS_DIR"]))
        for problem in library.problems:
            log.warning("lesson problem, module skipped: %s", problem)
        current_app.extensions["lesson_library"] = library
    return library


# Libraries by folder and content, shared by the apps of one process: a server builds one, but
# the tests build an app per test on the same folder, and the nine modules take most of a
# second to check and render. The same files give the same library; any edited, added or
# removed file gives a new one (an app sees it once its `lesson_library` is dropped).
_LIBRARIES: OrderedDict[tuple[str, str], Library] = OrderedDict()
_LIBRARIES_KEPT = 4
_LIBRARIES_LOCK = threading.Lock()


def shared_library(lessons_dir: Path) -> Library:
    """Return the library of this folder as its files are now, built once per process."""
    key = (str(lessons_dir.resolve()), _fingerprint(lessons_dir))
    with _LIBRARIES_LOCK:
        library = _LIBRARIES.get(key)
        if library is not None:
            _LIBRARIES.move_to_end(key)
            return library
    # Its problems are worded in English, whoever's request loads it first.
    with force_locale("en"):
        library = Library(lessons_dir)
    # A file edited while it was being read: use this library, but keep none for it.
    if _fingerprint(lessons_dir) == key[1]:
        with _LIBRARIES_LOCK:
            _LIBRARIES[key] = library
            while len(_LIBRARIES) > _LIBRARIES_KEPT:
                _LIBRARIES.popitem(last=False)
    return library


def _fingerprint(lessons_dir: Path) -> str:
    """A digest of every file's name and bytes below the folder (about 2 ms for the nine)."""
    digest = hashlib.sha256()
    for path in sorted(lessons_dir.rglob("*")):
        if path.is_file():
            name, data = path.relative_to(lessons_dir).as_posix().encode(), path.read_bytes()
            digest.update(b"%d:%s:%d:" % (len(name), name, len(data)))
            digest.update(data)
    return digest.hexdigest()
