"""Content rules of the library: joining step, slack, ways of answering, sources, packs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .parsing import LessonFile, Section
from .wording import _

# Hosts that copy documents without their authors: cite the publisher or the DOI instead.
DUMP_HOSTS = (
    "pdfslide.us",
    "pdfslide.net",
    "adoc.pub",
    "slideshare.net",
    "mendeley.com",
    "psychologydb.com",
    "researcher.life",
    "miragenews.com",
    "fok.nl",
    "docplayer.nl",
    "docplayer.net",
    "studocu.com",
    "scribd.com",
    "yumpu.com",
    "pdfcoffee.com",
    "vdocuments.mx",
    "vdocuments.net",
    "dokumen.pub",
    "dokumen.tips",
    "documents.pub",
)
URL = re.compile(r"https?://[^\s<>()\[\]]+")
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")

# A timed step of a phase: '### 2. Title (5 min)' or '2. **Title (5 min).**'.
STEP = re.compile(
    r"^(?:### +\d+\.\s*|\d+\.\s+\*\*)(?P<title>[^(]+?)\s*\((?P<minutes>\d+)\s*min(?:uten|utes)?\)"
)
JOIN_STEP = {"nl": "Meedoen", "en": "Joining"}
SLACK_STEP = {"nl": "Speling", "en": "Slack"}
JOIN_MINUTES = 3
SLACK_PER_50 = 5

# One line in the preparation section per way a class can answer.
WAYS_OF_ANSWERING = {
    "nl": ("Telefoons", "Laptops", "Eén gedeeld apparaat", "Papier", "Handen omhoog"),
    "en": ("Phones", "Laptops", "One shared device", "Paper", "Hands up"),
}
PACK_MENTION = {"nl": "uit het lespakket", "en": "from the pack"}
PRIVATE_ROUTES = ("mentor", "vertrouwenspersoon", "confidential adviser")
NOT_EVERYONE = ("niet iedereen", "not everyone")


@dataclass(frozen=True)
class Finding:
    """A rule broken at a line; a warning does not make the module invalid."""

    line: int
    message: str
    warning: bool = False


def host_of(url: str) -> str:
    """Return the lower-case host of a URL without a leading 'www.'."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def is_dump_host(host: str) -> bool:
    """Tell whether a host is on the list of document-dump hosts (or a subdomain)."""
    return any(host == dump or host.endswith("." + dump) for dump in DUMP_HOSTS)


def check_links(lines: list[str]) -> list[Finding]:
    """Refuse every link to a document-dump host, anywhere in a file."""
    findings = []
    for number, text in enumerate(lines, start=1):
        for url in URL.findall(text):
            host = host_of(url)
            if is_dump_host(host):
                message = _(
                    "link to a document-dump host (%(host)s): cite the source itself", host=host
                )
                findings.append(Finding(number, message))
    return findings


def check_sources(section: Section | None) -> list[Finding]:
    """Warn on every source (a list item in the sources section) without a year."""
    if section is None:
        return []
    return [
        Finding(number, _("this source has no year"), warning=True)
        for number, text in section.numbered_lines
        if LIST_ITEM.match(text) and not YEAR.search(text)
    ]


def _steps(section: Section) -> list[tuple[int, str, int]]:
    steps = []
    for number, text in section.numbered_lines:
        match = STEP.match(text)
        if match:
            title = match["title"].strip().strip("*").strip()
            steps.append((number, title, int(match["minutes"])))
    return steps


def check_plan(lesson: LessonFile, language: str) -> list[Finding]:
    """Demand a joining step in the first phase and enough slack in the whole plan."""
    sections = {section.id: section for section in lesson.sections}
    phases = [p for p in lesson.front.get("phases") or [] if isinstance(p, dict)]
    phase_sections = [
        (phase, sections[phase["key"]]) for phase in phases if phase.get("key") in sections
    ]
    if not phase_sections:
        return []
    findings = []
    first_section = phase_sections[0][1]
    join = JOIN_STEP[language]
    joins = [step for step in _steps(first_section) if step[1].lower().startswith(join.lower())]
    if not any(minutes >= JOIN_MINUTES for _line, _title, minutes in joins):
        findings.append(
            Finding(
                first_section.line,
                _(
                    "the first phase needs a joining step of %(minutes)s minutes, "
                    "as in '### 1. %(join)s (%(minutes)s min)'",
                    minutes=JOIN_MINUTES,
                    join=join,
                ),
            )
        )
    slack = 0
    for phase, section in phase_sections:
        steps = _steps(section)
        if not steps or not isinstance(phase.get("minutes"), int):
            continue
        slack_word = SLACK_STEP[language].lower()
        planned = sum(m for _line, title, m in steps if not title.lower().startswith(slack_word))
        if planned > phase["minutes"]:
            findings.append(
                Finding(
                    section.line,
                    _(
                        "the steps of phase '%(key)s' add up to %(planned)s minutes, "
                        "more than its %(minutes)s",
                        key=phase["key"],
                        planned=planned,
                        minutes=phase["minutes"],
                    ),
                )
            )
        slack += max(phase["minutes"] - planned, 0)
    duration = lesson.front.get("duration")
    if isinstance(duration, int) and duration > 0:
        needed = SLACK_PER_50 * max(duration // 50, 1)
        if slack < needed:
            line = lesson.line(lesson.front.line_of("duration"))
            findings.append(
                Finding(
                    line,
                    _(
                        "the plan leaves %(slack)s minute(s) of slack; leave at least %(needed)s "
                        "(%(per_50)s per 50 minutes) unplanned or in a '%(step)s' step",
                        slack=slack,
                        needed=needed,
                        per_50=SLACK_PER_50,
                        step=SLACK_STEP[language],
                    ),
                )
            )
    return findings


def check_preparation(lesson: LessonFile, language: str) -> list[Finding]:
    """Demand one line per way of answering in the preparation section."""
    section = next((s for s in lesson.sections if s.id == "preparation"), None)
    if section is None:
        return []
    starts = [
        LIST_ITEM.sub("", text, count=1).lower()
        for _number, text in section.numbered_lines
        if LIST_ITEM.match(text)
    ]
    findings = []
    for way in WAYS_OF_ANSWERING[language]:
        if not any(start.startswith(f"**{way.lower()}") for start in starts):
            findings.append(
                Finding(
                    section.line,
                    _(
                        "the preparation has no line for answering by '%(way)s': "
                        "add a list item that starts with '**%(way)s**'",
                        way=way,
                    ),
                )
            )
    return findings


def sensitive_prompt_gaps(discuss: dict) -> list[str]:
    """Say what a sensitive poll's prompts lack: 'not everyone' wording, a private route."""
    words = " ".join(
        str(value) for key, value in discuss.items() if key in ("ask", "split", "unanimous")
    ).lower()
    gaps = []
    if not any(phrase in words for phrase in NOT_EVERYONE):
        gaps.append(_("must say 'niet iedereen …' / 'not everyone …'"))
    if not any(route in words for route in PRIVATE_ROUTES):
        gaps.append(_("must offer a private route (mentor, vertrouwenspersoon)"))
    return gaps


def pack_paths(folder: Path) -> dict[str, Path]:
    """Return the pack file per language that exists in a module folder."""
    paths = {language: folder / f"pack.{language}.md" for language in JOIN_STEP}
    return {language: path for language, path in paths.items() if path.is_file()}


def handout_count(text: str) -> int:
    """Count the '## ' handouts of a pack, ignoring fenced code."""
    count, fenced = 0, False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("## "):
            count += 1
    return count


def pack_mentions(lesson: LessonFile, language: str) -> list[int]:
    """Return the lines of a guide that send the teacher to the printable pack."""
    phrase = PACK_MENTION[language]
    return [
        number
        for section in lesson.sections
        for number, text in section.numbered_lines
        if phrase in text.lower()
    ]
