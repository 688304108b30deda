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


# --- Issue 29: rules that keep the plan, the packs and the references honest. ---

# A minute figure written inside a step: '(3 min)', '(3 minuten)', '(about 3 minutes)'.
PART_MINUTES = re.compile(
    r"\((?:ca\.\s*|ongeveer\s+|about\s+)?(\d+)\s*min(?:uten|utes|\.)?\)", re.IGNORECASE
)
# A parenthesised duration anywhere in a pack heading or item: '(10 min)', '(ongeveer 10 minuten)'.
PACK_DURATION = re.compile(r"\s*\([^()]*?\b\d+\s*min(?:uten|utes|\.)?\b[^()]*\)", re.IGNORECASE)
STEP_END = re.compile(r"^#{1,3} ")
HEADING = re.compile(r"^(?P<marks>#{1,6}) +(?P<text>.*)$")
NUMBERING = re.compile(r"^(?:\d+[.)]|[a-z][.)])\s+", re.IGNORECASE)
FOLLOW_UP = {"nl": re.compile(r"vervolg", re.IGNORECASE), "en": re.compile(r"follow-up", re.I)}
POLL_WORDS = {
    "nl": r"peilingen|peiling|open vraag",
    "en": r"polls|poll|open question",
}
AND_WORDS = {"nl": "en", "en": "and"}
# A quote closes at a right quote mark not followed by a letter (inside a word it is an
# apostrophe, as in "don't" typeset).
QUOTE = r"‘(?P<quote>.+?)’(?![^\W\d_])"
END_PUNCTUATION = ".?!…:;"
STAND_UP = (
    "ga staan als", "sta op als", "steek je hand op", "steek je vinger op",
    "stand up if", "raise your hand", "hands up if",
)  # fmt: skip
# Answers nobody should give in public: own exclusion, not belonging, faith, origin.
PUBLIC_ANSWER_WORDS = re.compile(
    r"\b(?:niet bij (?:hoorde|hoort|hoorden|te horen)|buitengesloten|uitgesloten|"
    r"buiten de groep|geloof|gelovig|religie|religieus|afkomst|land van herkomst|"
    r"waar je familie vandaan komt|excluded|left out|did not belong|didn[’']t belong|"
    r"do not belong|don[’']t belong|faith|religion|religious|origin|"
    r"where your family comes from)\b",
    re.IGNORECASE,
)
STATEMENT_START = re.compile(r"^\s*(?:(?:[-*+]|\d+\.)\s+)?[*_\"“‘„]*", re.IGNORECASE)
BOOTH_ITEM = {"nl": "Eén gedeeld apparaat", "en": "One shared device"}
BOOTH_PLAN = {
    "nl": re.compile(
        r"‘(?P<title>[^’]+)’:\s*(?P<polls>\d+)\s+peiling(?:en)?,\s*(?P<minutes>\d+)\s*min"
    ),
    "en": re.compile(r"‘(?P<title>[^’]+)’:\s*(?P<polls>\d+)\s+polls?,\s*(?P<minutes>\d+)\s*min"),
}
BOOTH_CLASS_SIZE = 28
BOOTH_TURN_SECONDS = 10
BOOTH_POLL_SECONDS = 10


@dataclass(frozen=True)
class Step:
    """A timed step of a guide: its line, title, minutes and its lines (the step line first)."""

    line: int
    title: str
    minutes: int
    lines: list[tuple[int, str]]

    @property
    def text(self) -> str:
        return "\n".join(text for _number, text in self.lines)


def guide_steps(section: Section) -> list[Step]:
    """Split a phase section into its timed steps; a step runs to the next step or heading."""
    steps: list[Step] = []
    current: Step | None = None
    for number, text in section.numbered_lines:
        match = STEP.match(text)
        if match:
            title = match["title"].strip().strip("*").strip()
            current = Step(number, title, int(match["minutes"]), [(number, text[match.end() :])])
            steps.append(current)
        elif STEP_END.match(text):
            current = None
        elif current is not None:
            current.lines.append((number, text))
    return steps


def _phase_sections(lesson: LessonFile) -> list[Section]:
    keys = {p.get("key") for p in lesson.front.get("phases") or [] if isinstance(p, dict)}
    return [section for section in lesson.sections if section.id in keys]


def check_step_parts(lesson: LessonFile) -> list[Finding]:
    """R1: the minutes written inside a step may not add up to more than the step has."""
    findings = []
    for section in _phase_sections(lesson):
        for step in guide_steps(section):
            parts = sum(int(m) for _n, text in step.lines for m in PART_MINUTES.findall(text))
            if parts > step.minutes:
                message = _(
                    "step '%(title)s' has %(minutes)s minutes but its parts add up to %(parts)s",
                    title=step.title, minutes=step.minutes, parts=parts,
                )  # fmt: skip
                findings.append(Finding(step.line, message))
    return findings


def _normal(text: str) -> str:
    """Compare titles without emphasis, quotes, case or extra spaces."""
    text = re.sub(r"[*_‘’“”\"']", "", text)
    return " ".join(text.split()).casefold().strip(" .:;,")


def _pack_entries(lines: list[str]) -> list[tuple[int, str]]:
    """Return each pack heading and list item (line number, text without its marker)."""
    entries = []
    for number, text in enumerate(lines, start=1):
        heading = HEADING.match(text)
        if heading:
            entries.append((number, heading["text"]))
        elif LIST_ITEM.match(text):
            entries.append((number, LIST_ITEM.sub("", text, count=1)))
    return entries


def check_follow_ups(lines: list[str], lesson: LessonFile, language: str) -> list[Finding]:
    """R2: a timed follow-up in the pack must be named in a timed step of the guide."""
    steps = " ".join(
        _normal(step.text) for section in _phase_sections(lesson) for step in guide_steps(section)
    )
    findings = []
    for number, text in _pack_entries(lines):
        duration = PACK_DURATION.search(text)
        if not duration or not FOLLOW_UP[language].search(text[: duration.start()]):
            continue
        title = _normal(NUMBERING.sub("", text[: duration.start()].strip(" *_")))
        if title and title not in steps:
            message = _(
                "the follow-up '%(title)s' has no slot: name it in a timed step of %(file)s",
                title=text[: duration.start()].strip(" *_"), file=lesson.path.name,
            )  # fmt: skip
            findings.append(Finding(number, message))
    return findings


def _poll_wordings(lesson: LessonFile) -> set[str]:
    wordings = set()
    for poll in lesson.front.get("polls") or []:
        question = poll.get("question") if isinstance(poll, dict) else None
        if isinstance(question, str):
            wordings |= {question.strip(), question.strip().rstrip(END_PUNCTUATION)}
    return wordings


def poll_references(text: str, language: str) -> list[str]:
    """Return the quotes a guide line gives as polls: after 'peiling', and the same list's next."""
    lead = re.compile(rf"\b(?:{POLL_WORDS[language]})\b:?\s*{QUOTE}", re.IGNORECASE)
    more = re.compile(rf"\s*(?:,|\s{AND_WORDS[language]}\b)\s*{QUOTE}")
    quotes = []
    for match in lead.finditer(text):
        quotes.append(match["quote"])
        end = match.end()
        while following := more.match(text, end):
            quotes.append(following["quote"])
            end = following.end()
    return quotes


def check_poll_references(lesson: LessonFile, language: str) -> list[Finding]:
    """R3: a poll the guide names by its wording must be one of the module's polls."""
    wordings = _poll_wordings(lesson)
    findings = []
    for section in lesson.sections:
        for number, text in section.numbered_lines:
            for quote in poll_references(text, language):
                if quote.strip() not in wordings:
                    message = _(
                        "‘%(quote)s’ is not the wording of a poll of this module", quote=quote
                    )
                    findings.append(Finding(number, message))
    return findings


def _is_stand_up(text: str) -> bool:
    return STATEMENT_START.sub("", text, count=1).lower().startswith(STAND_UP)


def public_statements(lines: list[str]) -> list[tuple[int, str]]:
    """Return the stand-up/hands-up statements of a pack.

    A statement is a line that starts with 'Ga staan als' (and the like), or a list item in the
    section under a heading that says it or after a line that starts with it.
    """
    statements, listing = [], False
    for number, text in enumerate(lines, start=1):
        heading = HEADING.match(text)
        if heading:
            listing = any(phrase in heading["text"].lower() for phrase in STAND_UP)
        elif _is_stand_up(text):
            statements.append((number, text))
            listing = True
        elif listing and LIST_ITEM.match(text):
            statements.append((number, text))
    return statements


def check_public_statements(lines: list[str]) -> list[Finding]:
    """R4: no stand-up or hands-up statement about one's own exclusion, faith or origin."""
    findings = []
    for number, text in public_statements(lines):
        found = PUBLIC_ANSWER_WORDS.search(text)
        if found:
            message = _(
                "a stand-up or hands-up statement may not ask about exclusion, not belonging, "
                "faith or origin ('%(words)s'): ask it in an anonymous poll",
                words=found[0],
            )
            findings.append(Finding(number, message))
    return findings


def booth_minutes(polls: int) -> int:
    """Minutes a shared device needs for a class: a turn plus a few seconds per poll."""
    if polls == 0:
        return 0
    seconds = BOOTH_CLASS_SIZE * (BOOTH_TURN_SECONDS + BOOTH_POLL_SECONDS * polls)
    return -(-seconds // 60)


def _list_item_at(section: Section, start: str) -> tuple[int, str] | None:
    """Return the first line and the whole text of the list item that starts with `start`."""
    lines = section.numbered_lines
    for index, (number, text) in enumerate(lines):
        if LIST_ITEM.match(text) and LIST_ITEM.sub("", text, count=1).lower().startswith(start):
            return number, "\n".join([text, *_item_continuation(lines[index + 1 :])])
    return None


def _item_continuation(lines: list[tuple[int, str]]) -> list[str]:
    """Return the lines that still belong to a list item: indented or lazily continued."""
    item, blank = [], False
    for _number, text in lines:
        next_item = LIST_ITEM.match(text) and not text.startswith("    ")
        if next_item or text.startswith("#") or (text.strip() and blank and text[0] != " "):
            break
        blank = not text.strip()
        item.append(text)
    return item


def check_booth_plan(lesson: LessonFile, language: str) -> list[Finding]:
    """R5: the shared-device line gives polls and minutes per phase with polls, and they fit."""
    section = next((s for s in lesson.sections if s.id == "preparation"), None)
    item = section and _list_item_at(section, f"**{BOOTH_ITEM[language].lower()}")
    if not item:
        return []
    line, text = item
    phases = [p for p in lesson.front.get("phases") or [] if isinstance(p, dict)]
    polls = [p for p in lesson.front.get("polls") or [] if isinstance(p, dict)]
    plans = {m["title"].strip(): m for m in BOOTH_PLAN[language].finditer(text)}
    findings = []
    for phase in phases:
        count = sum(1 for poll in polls if poll.get("phase") == phase.get("key"))
        title, minutes = str(phase.get("title", "")), phase.get("minutes")
        plan = plans.pop(title, None)
        if count and plan is None:
            findings.append(Finding(line, _booth_missing(title, count, language)))
        elif plan is not None:
            findings += _booth_fit(line, title, plan, count, minutes)
    for title in plans:
        findings.append(Finding(line, _("‘%(title)s’ is not the title of a phase", title=title)))
    return findings


def _booth_missing(title: str, count: int, language: str) -> str:
    noun = {"nl": ("peiling", "peilingen"), "en": ("poll", "polls")}[language][count != 1]
    return _(
        "the shared-device plan lacks phase ‘%(title)s’ (polls: %(count)s): write '%(form)s'",
        title=title, count=count, form=f"‘{title}’: {count} {noun}, {booth_minutes(count)} min",
    )  # fmt: skip


def _booth_fit(line: int, title: str, plan: re.Match, count: int, minutes: object) -> list:
    asked, planned = int(plan["polls"]), int(plan["minutes"])
    findings = []
    if asked > count:
        message = _(
            "the shared device asks %(asked)s polls in ‘%(title)s’, which has %(count)s",
            asked=asked, title=title, count=count,
        )  # fmt: skip
        findings.append(Finding(line, message))
    elif planned < booth_minutes(asked):
        message = _(
            "the shared device needs at least %(needed)s minutes for %(asked)s poll(s) in "
            "‘%(title)s’ (%(size)s students), not %(planned)s",
            needed=booth_minutes(asked), asked=asked, title=title,
            size=BOOTH_CLASS_SIZE, planned=planned,
        )  # fmt: skip
        findings.append(Finding(line, message))
    if isinstance(minutes, int) and planned > minutes:
        message = _(
            "the shared device plans %(planned)s minutes in ‘%(title)s’, which has %(minutes)s",
            planned=planned, title=title, minutes=minutes,
        )  # fmt: skip
        findings.append(Finding(line, message))
    return findings
