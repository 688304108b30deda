"""Validation of lesson files: every problem with its file and line."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..questions import find_type
from ..vocabulary import LANGUAGES, QUESTION_TYPES
from . import rules
from .parsing import (
    LessonFile,
    LessonSyntaxError,
    LineDict,
    as_mapping,
    decode_text,
    parse_lesson_text,
)
from .wording import _

THEMES = (
    "belonging",
    "discrimination",
    "polarisation",
    "media-literacy",
    "radicalisation",
    "dialogue",
    "citizenship",
)
LEVELS = ("vmbo", "havo", "vwo")
YEARS = ("lower", "upper")
VALUES = ("freedom", "equality", "solidarity")
REQUIRED_SECTIONS = ("preparation", "not-ready", "tips", "sources")
MIN_POLLS = 4
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# Python-Markdown nests a list only when it is indented by 4 spaces.
SHALLOW_NESTED_ITEM = re.compile(r"^ {1,3}([-*+]|\d+\.) ")

LESSON_FIELDS = {
    "slug", "title", "summary", "themes", "levels", "years", "duration",
    "duration_note", "values", "goals", "phases", "polls",
}  # fmt: skip
OPTIONAL_LESSON_FIELDS = {"duration_note"}
PHASE_FIELDS = {"key", "title", "minutes", "projector", "session_ends"}
REQUIRED_PHASE_FIELDS = {"key", "title", "minutes"}
POLL_FIELDS = {
    "key", "phase", "type", "question", "options", "scale", "correct", "compare_to", "discuss",
    "range", "unit", "answer", "sensitive",
}  # fmt: skip
DISCUSS_FIELDS = {"ask", "split", "unanimous", "alone"}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a lesson file."""

    path: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        relative = os.path.relpath(self.path)
        path = self.path if relative.startswith("..") else relative
        kind = "warning: " if self.warning else ""
        return f"{path}:{self.line}: {kind}{self.message}"


class _Reporter:
    """Collects problems for one file, turning front-matter lines into file lines."""

    def __init__(self, path: Path, lesson: LessonFile | None = None) -> None:
        self.path = path
        self.lesson = lesson
        self.problems: list[Problem] = []

    def at(self, line: int, message: str, warning: bool = False) -> None:
        self.problems.append(Problem(str(self.path), line, message, warning))

    def findings(self, findings: list[rules.Finding]) -> None:
        for finding in findings:
            self.at(finding.line, finding.message, finding.warning)

    def front(self, mapping: LineDict, key: str | None, message: str) -> None:
        relative = mapping.line_of(key) if key else mapping.line
        self.at(self.lesson.line(relative) if self.lesson else 1, message)


def check_file(path: Path) -> tuple[LessonFile | None, list[Problem]]:
    """Parse and check one language file of a module folder on its own."""
    return check_text(path, path.read_bytes(), path.parent.name)


def check_text(
    path: Path, text: str | bytes, slug: str, *, slug_source: str = "folder"
) -> tuple[LessonFile | None, list[Problem]]:
    """Parse and check one language text on its own; `path` names it in the problems.

    `slug_source` says what the front matter's slug must match: the folder's name or the
    module's slug given by the caller (the messages differ).
    """
    report = _Reporter(path)
    try:
        text = decode_text(text) if isinstance(text, bytes) else text
        lesson = parse_lesson_text(text, path)
    except LessonSyntaxError as error:
        report.at(error.line, error.message)
        return None, report.problems
    report.lesson = lesson
    _check_front(report, lesson.front, slug, slug_source)
    _check_sections(report, lesson)
    language = path.stem
    if language in LANGUAGES:
        report.findings(rules.check_plan(lesson, language))
        report.findings(rules.check_preparation(lesson, language))
        report.findings(rules.check_step_parts(lesson))
        report.findings(rules.check_poll_references(lesson, language))
        booth_plan = rules.check_booth_plan(lesson, language)
        if slug_source == "module":
            # A teacher's own module may leave its booth timing open: said, not refused.
            booth_plan = [replace(finding, warning=True) for finding in booth_plan]
        report.findings(booth_plan)
    sources = next((s for s in lesson.sections if s.id == "sources"), None)
    report.findings(rules.check_sources(sources))
    report.findings(rules.check_links(text.splitlines()))
    return lesson, report.problems


def _check_duplicates(report: _Reporter, mapping: LineDict) -> None:
    for key, line in mapping.duplicates:
        report.at(report.lesson.line(line), _("'%(key)s' is given twice", key=key))


def _check_fields(report: _Reporter, mapping: LineDict, allowed: set, required: set, what: str):
    _check_duplicates(report, mapping)
    for key in mapping:
        if key not in allowed:
            report.front(mapping, key, _("unknown field '%(key)s' in %(what)s", key=key, what=what))
    for key in sorted(required - set(mapping)):
        report.front(mapping, None, _("missing field '%(key)s' in %(what)s", key=key, what=what))


def _text(report: _Reporter, mapping: LineDict, key: str, limit: int, what: str) -> str | None:
    value = mapping.get(key)
    if key not in mapping:
        return None
    if not isinstance(value, str) or not value.strip():
        report.front(
            mapping, key, _("%(what)s: '%(key)s' must be non-empty text", what=what, key=key)
        )
        return None
    if len(value) > limit:
        message = _(
            "%(what)s: '%(key)s' is %(length)s characters (at most %(limit)s)",
            what=what, key=key, length=len(value), limit=limit,
        )  # fmt: skip
        report.front(mapping, key, message)
    return value


def _words(report: _Reporter, mapping: LineDict, key: str, allowed: tuple, what: str) -> None:
    value = mapping.get(key)
    if key not in mapping:
        return
    if not isinstance(value, list) or not value:
        report.front(
            mapping, key, _("%(what)s: '%(key)s' must be a non-empty list", what=what, key=key)
        )
        return
    for word in value:
        if word not in allowed:
            message = _(
                "%(what)s: '%(word)s' is not one of %(allowed)s in '%(key)s'",
                what=what, word=word, allowed=", ".join(allowed), key=key,
            )  # fmt: skip
            report.front(mapping, key, message)


def _check_front(report: _Reporter, front: LineDict, slug: str, slug_source: str) -> None:
    required = LESSON_FIELDS - OPTIONAL_LESSON_FIELDS
    lesson = _("the lesson")
    _check_fields(report, front, LESSON_FIELDS, required, lesson)
    if "slug" in front and not (isinstance(front["slug"], str) and KEY.match(front["slug"])):
        report.front(
            front, "slug", _("slug %(slug)s must match [a-z0-9-]", slug=repr(front["slug"]))
        )
    elif "slug" in front and front["slug"] != slug:
        if slug_source == "folder":
            message = _(
                "slug '%(slug)s' differs from the folder '%(folder)s'",
                slug=front["slug"],
                folder=slug,
            )
        else:
            message = _(
                "slug '%(slug)s' differs from the module's slug '%(module)s'",
                slug=front["slug"], module=slug,
            )  # fmt: skip
        report.front(front, "slug", message)
    _text(report, front, "title", 120, lesson)
    _text(report, front, "summary", 200, lesson)
    _text(report, front, "duration_note", 200, lesson)
    _words(report, front, "themes", THEMES, lesson)
    _words(report, front, "levels", LEVELS, lesson)
    _words(report, front, "years", YEARS, lesson)
    _words(report, front, "values", VALUES, lesson)
    goals = front.get("goals")
    if "goals" in front and (
        not isinstance(goals, list)
        or not 3 <= len(goals) <= 4
        or not all(isinstance(goal, str) and goal.strip() for goal in goals)
    ):
        report.front(front, "goals", _("goals must be a list of 3 or 4 sentences"))
    phase_keys = _check_phases(report, front)
    _check_polls(report, front, phase_keys)


def _check_phases(report: _Reporter, front: LineDict) -> list[str]:
    phases = front.get("phases")
    if "phases" not in front:
        return []
    if not isinstance(phases, list) or not phases:
        report.front(front, "phases", _("phases must be a non-empty list"))
        return []
    keys: list[str] = []
    total = 0
    for phase in phases:
        mapping = as_mapping(phase)
        if mapping is None:
            message = _("each phase must be a mapping with key, title, minutes")
            report.front(front, "phases", message)
            continue
        _check_fields(report, mapping, PHASE_FIELDS, REQUIRED_PHASE_FIELDS, _("a phase"))
        key = mapping.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            report.front(mapping, "key", _("phase key %(key)s must match [a-z0-9-]", key=repr(key)))
        elif key in keys:
            report.front(mapping, "key", _("phase key '%(key)s' is used twice", key=key))
        else:
            keys.append(key)
        name = _("phase '%(key)s'", key=key)
        _text(report, mapping, "title", 80, name)
        # What the projector shows during the phase: short, it must fit the wall.
        _text(report, mapping, "projector", 600, name)
        _check_session_end(report, mapping, phase is phases[-1], name)
        minutes = mapping.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
            message = _("%(name)s: minutes must be a whole number ≥ 0", name=name)
            report.front(mapping, "minutes", message)
        else:
            total += minutes
    duration = front.get("duration")
    if not isinstance(duration, int) or isinstance(duration, bool) or duration <= 0:
        report.front(front, "duration", _("duration must be a whole number of minutes > 0"))
    elif total != duration:
        message = _(
            "duration is %(duration)s but the phases add up to %(total)s minutes",
            duration=duration, total=total,
        )  # fmt: skip
        report.front(front, "duration", message)
    return keys


def _check_session_end(report: _Reporter, mapping: LineDict, last: bool, name: str) -> None:
    """`session_ends: true` marks the lesson's break into another day; never after the last."""
    if "session_ends" not in mapping:
        return
    if mapping["session_ends"] is not True:
        message = _("%(name)s: session_ends must be true (or left out)", name=name)
        report.front(mapping, "session_ends", message)
    elif last:
        message = _("%(name)s: the last phase cannot end a session", name=name)
        report.front(mapping, "session_ends", message)


def _check_polls(report: _Reporter, front: LineDict, phase_keys: list[str]) -> None:
    polls = front.get("polls")
    if "polls" not in front:
        return
    if not isinstance(polls, list):
        report.front(front, "polls", _("polls must be a list"))
        return
    if len(polls) < MIN_POLLS:
        report.front(front, "polls", _("a module needs at least %(count)s polls", count=MIN_POLLS))
    seen: dict[str, LineDict] = {}
    for poll in polls:
        mapping = as_mapping(poll)
        if mapping is None:
            report.front(front, "polls", _("each poll must be a mapping"))
            continue
        _check_poll(report, mapping, phase_keys, seen)


def _check_poll(
    report: _Reporter, poll: LineDict, phase_keys: list[str], seen: dict[str, LineDict]
) -> None:
    required = {"key", "phase", "type", "question", "discuss"}
    _check_fields(report, poll, POLL_FIELDS, required, _("a poll"))
    key = poll.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        report.front(poll, "key", _("poll key %(key)s must match [a-z0-9-]", key=repr(key)))
        key = None
    elif key in seen:
        report.front(poll, "key", _("poll key '%(key)s' is used twice", key=key))
    name = _("poll '%(key)s'", key=key)
    if "phase" in poll and poll["phase"] not in phase_keys:
        message = _(
            "%(name)s: phase '%(phase)s' is not a phase here", name=name, phase=poll["phase"]
        )
        report.front(poll, "phase", message)
    kind = poll.get("type")
    if kind not in QUESTION_TYPES:
        message = _(
            "%(name)s: type %(type)s must be one of %(types)s",
            name=name, type=repr(kind), types=str(QUESTION_TYPES),
        )  # fmt: skip
        report.front(poll, "type", message)
    _text(report, poll, "question", 200, name)
    _check_answers(report, poll, kind, name)
    _check_discussion(report, poll, kind, name)
    _check_sensitive(report, poll, name)
    _check_pair(report, poll, name, seen)
    if key and key not in seen:
        seen[key] = poll


def _fields_of(kind: Any) -> tuple[str, ...]:
    """The fields a poll of this kind may have besides its key, question and discussion."""
    found = find_type(kind)
    return found.wording_fields if found else ()


def _check_answers(report: _Reporter, poll: LineDict, kind: Any, name: str) -> None:
    _check_options(report, poll, kind, name)
    scale = poll.get("scale")
    if "scale" in _fields_of(kind):
        if not (
            isinstance(scale, list)
            and len(scale) == 2
            and all(isinstance(label, str) and 0 < len(label) <= 40 for label in scale)
        ):
            message = _("%(name)s: scale needs two labels (point 1 and point 5)", name=name)
            report.front(poll, "scale", message)
    elif "scale" in poll:
        report.front(poll, "scale", _("%(name)s: only a scale poll has 'scale'", name=name))
    _check_estimate(report, poll, kind, name)


def _check_options(report: _Reporter, poll: LineDict, kind: Any, name: str) -> None:
    options = poll.get("options")
    found = find_type(kind)
    if found is None or not found.has_options:
        for field in ("options", "correct"):
            if field in poll:
                message = _(
                    "%(name)s: a %(type)s poll has no '%(field)s'",
                    name=name,
                    type=kind,
                    field=field,
                )
                report.front(poll, field, message)
        return
    most = found.max_options
    if not isinstance(options, list) or not 2 <= len(options) <= most:
        message = _(
            "%(name)s: a %(type)s poll needs 2 to %(most)s options", name=name, type=kind, most=most
        )
        report.front(poll, "options", message)
    elif not all(isinstance(o, str) and o.strip() and len(o) <= 80 for o in options):
        message = _("%(name)s: options must be texts of ≤ 80 characters", name=name)
        report.front(poll, "options", message)
    elif len(set(options)) != len(options):
        report.front(poll, "options", _("%(name)s: two options are the same", name=name))
    correct = poll.get("correct")
    if "correct" in poll and not (
        found.has_correct
        and isinstance(correct, int)
        and not isinstance(correct, bool)
        and isinstance(options, list)
        and 0 <= correct < len(options)
    ):
        message = _("%(name)s: correct must be the index of an option", name=name)
        report.front(poll, "correct", message)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_estimate(report: _Reporter, poll: LineDict, kind: Any, name: str) -> None:
    if "range" not in _fields_of(kind):
        for field in ("range", "unit", "answer"):
            if field in poll:
                message = _(
                    "%(name)s: only an estimate poll has '%(field)s'", name=name, field=field
                )
                report.front(poll, field, message)
        return
    bounds = poll.get("range")
    if not (
        isinstance(bounds, list)
        and len(bounds) == 2
        and all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
        and bounds[0] < bounds[1]
    ):
        message = _("%(name)s: range needs two whole numbers, lowest first", name=name)
        report.front(poll, "range", message)
        return
    if "unit" in poll and not (isinstance(poll["unit"], str) and len(poll["unit"]) <= 12):
        message = _("%(name)s: unit must be short text such as '%%'", name=name)
        report.front(poll, "unit", message)
    answer = poll.get("answer")
    if "answer" in poll and not (_is_number(answer) and bounds[0] <= answer <= bounds[1]):
        message = _("%(name)s: answer must be a number within the range", name=name)
        report.front(poll, "answer", message)


def _check_discussion(report: _Reporter, poll: LineDict, kind: Any, name: str) -> None:
    discuss = as_mapping(poll.get("discuss"))
    if "discuss" in poll and discuss is None:
        report.front(poll, "discuss", _("%(name)s: discuss must be a mapping", name=name))
    if discuss is None:
        return
    # Open answers have no figures, so no prompt for a split or (almost) unanimous class.
    found = find_type(kind)
    required = {"ask"} if found is not None and found.is_text else DISCUSS_FIELDS
    if poll.get("sensitive") is True:
        required = required - {"alone"}
    what = _("the discussion of %(name)s", name=name)
    _check_fields(report, discuss, DISCUSS_FIELDS, required, what)
    ask = discuss.get("ask")
    if "ask" in discuss and (
        not isinstance(ask, list)
        or not 1 <= len(ask) <= 4
        or not all(isinstance(item, str) and item.strip() for item in ask)
    ):
        report.front(discuss, "ask", _("%(name)s: ask must list 1 to 4 questions", name=name))
    for field in ("split", "unanimous", "alone"):
        _text(report, discuss, field, 600, name)


def _check_sensitive(report: _Reporter, poll: LineDict, name: str) -> None:
    if "sensitive" not in poll:
        return
    if not isinstance(poll["sensitive"], bool):
        report.front(poll, "sensitive", _("%(name)s: sensitive must be true or false", name=name))
        return
    discuss = as_mapping(poll.get("discuss"))
    if not poll["sensitive"] or discuss is None:
        return
    if "alone" in discuss:
        report.front(
            discuss,
            "alone",
            _(
                "%(name)s is sensitive: no 'alone' prompt (never point the class at one student)",
                name=name,
            ),
        )
    for gap in rules.sensitive_prompt_gaps(discuss):
        message = _("%(name)s is sensitive: its prompts %(gap)s", name=name, gap=gap)
        report.front(discuss, None, message)


def _check_pair(report: _Reporter, poll: LineDict, name: str, seen: dict[str, LineDict]) -> None:
    target = poll.get("compare_to")
    if "compare_to" not in poll:
        return
    earlier = seen.get(target) if isinstance(target, str) else None
    if earlier is None:
        message = _(
            "%(name)s: compare_to '%(target)s' is not an earlier poll", name=name, target=target
        )
        report.front(poll, "compare_to", message)
        return
    if earlier.get("compare_to"):
        report.front(
            poll,
            "compare_to",
            _("%(name)s: '%(target)s' is itself a post poll", name=name, target=target),
        )
    paired = [p for p in seen.values() if p.get("compare_to") == target]
    if paired:
        report.front(
            poll,
            "compare_to",
            _("%(name)s: '%(target)s' is already paired", name=name, target=target),
        )
    fields = (
        ("type", _("type")),
        ("options", _("options")),
        ("scale", _("scale labels")),
        ("range", _("range")),
    )
    for field, what in fields:
        if poll.get(field) != earlier.get(field):
            message = _(
                "%(name)s: its %(what)s differ from '%(target)s'",
                name=name,
                what=what,
                target=target,
            )
            report.front(poll, "compare_to", message)
    if poll.get("question") != earlier.get("question"):
        message = _(
            "%(name)s: the question is not worded as in '%(target)s'", name=name, target=target
        )
        report.front(poll, "compare_to", message)


def _check_sections(report: _Reporter, lesson: LessonFile) -> None:
    ids: dict[str, int] = {}
    for section in lesson.sections:
        if section.id in ids:
            report.at(section.line, _("section id '%(id)s' is used twice", id=section.id))
        ids.setdefault(section.id, section.line)
        if not section.markdown:
            report.at(section.line, _("section '%(id)s' is empty", id=section.id))
        for line, text in section.numbered_lines:
            if SHALLOW_NESTED_ITEM.match(text):
                report.at(line, _("indent a nested list item by 4 spaces (or not at all)"))
    phases = [p.get("key") for p in lesson.front.get("phases") or [] if as_mapping(p)]
    end_line = lesson.sections[-1].line if lesson.sections else 1
    for needed in (*REQUIRED_SECTIONS, *(key for key in phases if isinstance(key, str))):
        if needed not in ids:
            message = _("the guide has no section '## … {#%(id)s}'", id=needed)
            report.at(end_line, message)


def check_translations(nl: LessonFile, en: LessonFile) -> list[Problem]:
    """Check that the English file has the same structure as the Dutch one."""
    report = _Reporter(en.path, en)
    front_nl, front_en = nl.front, en.front
    for field in ("slug", "themes", "levels", "years", "values", "duration"):
        if front_nl.get(field) != front_en.get(field):
            message = _("'%(field)s' differs from %(file)s", field=field, file=nl.path.name)
            report.front(front_en, field, message)
    keys_nl = _keys(front_nl.get("phases"))
    if keys_nl != _keys(front_en.get("phases")):
        message = _(
            "phase keys differ from %(file)s: %(keys)s", file=nl.path.name, keys=str(keys_nl)
        )
        report.front(front_en, "phases", message)
    polls_nl = {p["key"]: p for p in _mappings(front_nl.get("polls"))}
    polls_en = _mappings(front_en.get("polls"))
    if list(polls_nl) != [p.get("key") for p in polls_en]:
        message = _(
            "poll keys differ from %(file)s: %(keys)s", file=nl.path.name, keys=str(list(polls_nl))
        )
        report.front(front_en, "polls", message)
    for poll in polls_en:
        twin = polls_nl.get(poll.get("key"))
        if twin is None:
            message = _("poll '%(key)s' is not in %(file)s", key=poll.get("key"), file=nl.path.name)
            report.front(poll, "key", message)
            continue
        for field in ("type", "phase", "compare_to", "correct", "range", "answer"):
            if poll.get(field) != twin.get(field):
                message = _(
                    "poll '%(key)s': '%(field)s' differs in %(file)s",
                    key=poll["key"], field=field, file=nl.path.name,
                )  # fmt: skip
                report.front(poll, field, message)
        if bool(poll.get("sensitive")) != bool(twin.get("sensitive")):
            message = _(
                "poll '%(key)s': '%(field)s' differs in %(file)s",
                key=poll["key"], field="sensitive", file=nl.path.name,
            )  # fmt: skip
            report.front(poll, "key", message)
        if len(poll.get("options") or []) != len(twin.get("options") or []):
            message = _(
                "poll '%(key)s': option count differs in %(file)s",
                key=poll["key"],
                file=nl.path.name,
            )
            report.front(poll, "options", message)
    return report.problems


def _mappings(value: Any) -> list[LineDict]:
    return [item for item in value if as_mapping(item)] if isinstance(value, list) else []


def _keys(value: Any) -> list[Any]:
    return [item.get("key") for item in _mappings(value)]


def module_file_names(languages: tuple[str, ...] = LANGUAGES) -> tuple[str, ...]:
    """Return the file names a module may hold: a guide and a pack per language."""
    return (*(f"{language}.md" for language in languages),
            *(f"pack.{language}.md" for language in languages))  # fmt: skip


def check_module_folder(folder: Path) -> tuple[dict[str, LessonFile], list[Problem]]:
    """Check both language files of a module folder, their agreement and the pack."""
    files = {
        name: (folder / name).read_bytes()
        for name in module_file_names()
        if (folder / name).is_file()
    }
    return _check_module(folder.name, files, folder, LANGUAGES, "folder")


def check_module_files(
    slug: str, files: dict[str, str], *, languages: tuple[str, ...] | None = None
) -> tuple[dict[str, LessonFile], list[Problem]]:
    """Check a module given as texts by file name (`nl.md`, `en.md`, `pack.nl.md`, ...).

    `languages` lists the languages the module must have; None asks for at least one.
    Every language file present is checked, and when two are present they must agree.
    Problems name the bare file name (`nl.md`) and the line in that file.
    """
    allowed = module_file_names()
    problems = []
    for name in sorted(set(files) - set(allowed)):
        message = _(
            "unknown file '%(name)s': a module holds only %(allowed)s",
            name=name, allowed=", ".join(allowed),
        )  # fmt: skip
        problems.append(Problem(name, 1, message))
    known: dict[str, str | bytes] = {name: files[name] for name in allowed if name in files}
    found, more = _check_module(slug, known, Path(), languages, "module")
    return found, problems + more


def _check_module(
    slug: str,
    files: dict[str, str | bytes],
    folder: Path,
    languages: tuple[str, ...] | None,
    slug_source: str,
) -> tuple[dict[str, LessonFile], list[Problem]]:
    problems: list[Problem] = []
    lessons: dict[str, LessonFile] = {}
    present = [language for language in LANGUAGES if f"{language}.md" in files]
    for language in languages or ():
        if language not in present:
            path = folder / f"{language}.md"
            message = _("missing file: every module needs %(file)s", file=path.name)
            problems.append(Problem(str(path), 1, message))
    if languages is None and not present:
        path = folder / f"{LANGUAGES[0]}.md"
        message = _("missing file: a module needs nl.md or en.md")
        problems.append(Problem(str(path), 1, message))
    for language in present:
        name = f"{language}.md"
        lesson, found = check_text(folder / name, files[name], slug, slug_source=slug_source)
        problems += found
        if lesson is not None:
            lessons[language] = lesson
    errors = [problem for problem in problems if not problem.warning]
    if not errors and len(lessons) == len(LANGUAGES):
        problems += check_translations(lessons["nl"], lessons["en"])
    packs = {
        language: files[f"pack.{language}.md"]
        for language in LANGUAGES
        if f"pack.{language}.md" in files
    }
    required = [language for language in LANGUAGES if language in (*present, *(languages or ()))]
    problems += _check_packs(folder, packs, lessons, required)
    return lessons, problems


def _check_packs(
    folder: Path,
    packs: dict[str, str | bytes],
    lessons: dict[str, LessonFile],
    languages: list[str],
) -> list[Problem]:
    """Check the printable pack: every language of the module, same handouts, present when
    the guide needs it, no pack in a language the module lacks."""
    problems = []
    for language in LANGUAGES:
        path = folder / f"pack.{language}.md"
        if packs and language in languages and language not in packs:
            message = _("missing file: a pack needs every language")
            problems.append(Problem(str(path), 1, message))
        if language in packs and language not in languages:
            message = _("a pack without its guide: %(file)s is missing", file=f"{language}.md")
            problems.append(Problem(str(path), 1, message))
        lesson = lessons.get(language)
        if not packs and lesson is not None:
            for line in rules.pack_mentions(lesson, language):
                message = _("the guide refers to the pack, but %(file)s is missing", file=path.name)
                problems.append(Problem(str(lesson.path), line, message))
    counts = {}
    for language, data in packs.items():
        path = folder / f"pack.{language}.md"
        try:
            text = decode_text(data) if isinstance(data, bytes) else data
        except LessonSyntaxError as error:
            problems.append(Problem(str(path), error.line, error.message))
            continue
        lines = text.splitlines()
        found = rules.check_links(lines) + rules.check_public_statements(lines)
        if language in lessons:
            found += rules.check_follow_ups(lines, lessons[language], language)
        problems += [Problem(str(path), f.line, f.message) for f in found]
        counts[language] = rules.handout_count("\n".join(lines))
        if counts[language] == 0:
            message = _("a pack needs at least one '## ' handout")
            problems.append(Problem(str(path), 1, message))
    if len(set(counts.values())) > 1:
        message = _(
            "%(here)s handouts here, %(there)s in %(file)s",
            here=counts["en"], there=counts["nl"], file="pack.nl.md",
        )  # fmt: skip
        problems.append(Problem(str(folder / "pack.en.md"), 1, message))
    return problems


def module_folders(lessons_dir: Path) -> list[Path]:
    """Return the module folders, skipping names that start with '_' or '.'."""
    return sorted(
        path for path in lessons_dir.iterdir() if path.is_dir() and path.name[0] not in "_."
    )


def check_ground_rules(lessons_dir: Path) -> list[Problem]:
    """Check that the shared ground rules exist in every language."""
    problems = []
    for language in LANGUAGES:
        path = lessons_dir / f"ground-rules.{language}.md"
        if not path.is_file() or not path.read_text(encoding="utf-8").strip():
            problems.append(Problem(str(path), 1, _("missing or empty ground rules")))
    return problems
