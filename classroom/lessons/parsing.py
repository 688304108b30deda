"""Read a lesson file into front matter and guide sections, keeping line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .wording import _

SECTION_HEADING = re.compile(r"^## +(?P<title>.+?) *\{#(?P<id>[a-z0-9-]+)\} *$")


class LineDict(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]
    duplicates: list[tuple[str, int]]

    def line_of(self, key: str) -> int:
        """Return the line of a key, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


# libyaml's parser when PyYAML was built with it: about nine times faster on the lessons, with
# the same nodes and marks (only its error wording differs); else PyYAML's own.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    """Safe YAML loader whose mappings are LineDicts (lines relative to the text)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.duplicates = []
    for key_node, _value in node.value:
        line = key_node.start_mark.line + 1
        if key_node.value in mapping.key_lines:
            mapping.duplicates.append((key_node.value, line))
        else:
            mapping.key_lines[key_node.value] = line
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class Section:
    """A level-2 guide section `## Title {#id}` and its Markdown."""

    id: str
    title: str
    line: int
    markdown: str
    numbered_lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class LessonFile:
    """A parsed lesson file, before validation."""

    path: Path
    front: LineDict
    front_first_line: int
    sections: list[Section] = field(default_factory=list)
    intro: str = ""

    def line(self, relative: int) -> int:
        """Turn a line number inside the front matter into a file line number."""
        return self.front_first_line + relative - 1


class LessonSyntaxError(Exception):
    """A file that cannot be read as front matter plus Markdown."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse_lesson_file(path: Path) -> LessonFile:
    """Split a lesson file into its front matter and guide sections."""
    return parse_lesson_text(decode_text(path.read_bytes()), path)


def decode_text(data: bytes) -> str:
    """Decode a lesson file's bytes as UTF-8, or raise a LessonSyntaxError at line 1."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LessonSyntaxError(1, _("not UTF-8 text (%(reason)s)", reason=error.reason)) from error


def parse_lesson_text(text: str, path: Path) -> LessonFile:
    """Split a lesson text into front matter and guide sections; `path` names it in problems."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        message = _("the file must start with a '---' line (front matter)")
        raise LessonSyntaxError(1, message)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise LessonSyntaxError(1, _("the front matter has no closing '---' line")) from None
    front = _load_front_matter("\n".join(lines[1:end]))
    lesson = LessonFile(path=path, front=front, front_first_line=2)
    _split_sections(lesson, lines, first=end + 1)
    return lesson


def _load_front_matter(text: str) -> LineDict:
    try:
        # _LineLoader is a (C)SafeLoader subclass: no arbitrary objects.
        front = yaml.load(text, Loader=_LineLoader)  # noqa: S506  # nosec B506
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark else 1
        message = _("invalid YAML: %(problem)s", problem=error.problem)
        raise LessonSyntaxError(line, message) from error
    if not isinstance(front, LineDict):
        raise LessonSyntaxError(2, _("the front matter must be a YAML mapping"))
    return front


def _split_sections(lesson: LessonFile, lines: list[str], first: int) -> None:
    current: Section | None = None
    buffer: list[tuple[int, str]] = []
    for number, text in enumerate(lines[first:], start=first + 1):
        match = SECTION_HEADING.match(text)
        if match is None and text.startswith("## "):
            message = _("a '## ' heading needs an id, as in '## Title {#id}'")
            raise LessonSyntaxError(number, message)
        if match is None:
            buffer.append((number, text))
            continue
        _close_section(lesson, current, buffer)
        current = Section(match["id"], match["title"], number, "")
        buffer = []
    _close_section(lesson, current, buffer)


def _close_section(
    lesson: LessonFile, section: Section | None, buffer: list[tuple[int, str]]
) -> None:
    text = "\n".join(line for _number, line in buffer).strip()
    if section is None:
        lesson.intro = text
    else:
        section.markdown = text
        section.numbered_lines = buffer
        lesson.sections.append(section)


def as_mapping(value: Any) -> LineDict | None:
    """Return the value if it is a YAML mapping, else None."""
    return value if isinstance(value, LineDict) else None
