"""A module as a zip in the `lessons/` folder format: written byte for byte the same each time,
and read back with every problem named by file and line.

Reading refuses what could harm the server or hide content: more than MAX_ENTRIES entries, more
than MAX_TOTAL_BYTES unpacked, an entry that unpacks more than MAX_RATIO times its packed size
(zip bombs), absolute paths, `..`, backslashes, symbolic links, encryption, files that are not
UTF-8. Only the module's own file names are taken; the folders and files a computer adds on its
own when zipping (`__MACOSX/`, `.DS_Store`, `Thumbs.db`) are skipped without a word.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field

from ..vocabulary import LANGUAGES
from .checks import KEY, Problem, check_module_files, module_file_names
from .parsing import LessonSyntaxError, parse_lesson_text
from .wording import _

MAX_TOTAL_BYTES = 1_000_000
# The zip itself: its files, unpacked, plus room for the zip's own headers.
MAX_ARCHIVE_BYTES = MAX_TOTAL_BYTES + 100_000
MAX_ENTRIES = 16
MAX_RATIO = 100
# Zip cannot store dates before 1980; a fixed one keeps the bytes the same on every export.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = stat.S_IFREG | 0o644
FOLDER_MODE = stat.S_IFDIR | 0o755
MSDOS_DIRECTORY = 0x10
UNIX = 3
SKIPPED = re.compile(r"(^|/)(__MACOSX/.*|\.DS_Store|Thumbs\.db|desktop\.ini)$")
DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ModuleArchive:
    """What a zip held: the module's slug (None when unknown), its texts by file name, and
    every problem found in the zip or by `check_module_files`."""

    slug: str | None
    files: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def module_zip(slug: str, files: dict[str, str]) -> bytes:
    """Zip a module as the folder `<slug>/` with its files, the same bytes for the same texts.

    Raises ValueError for a slug or file name that cannot be a module's (callers pass checked
    modules, so this is a programming error, not a teacher's).
    """
    if not KEY.match(slug):
        raise ValueError(f"not a module slug: {slug!r}")
    unknown = sorted(set(files) - set(module_file_names()))
    if unknown:
        raise ValueError(f"not module files: {unknown}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        folder = zipfile.ZipInfo(f"{slug}/", FIXED_DATE)
        folder.create_system = UNIX
        folder.external_attr = (FOLDER_MODE << 16) | MSDOS_DIRECTORY
        archive.writestr(folder, b"")
        for name in sorted(files):
            entry = zipfile.ZipInfo(f"{slug}/{name}", FIXED_DATE)
            entry.create_system = UNIX
            entry.external_attr = FILE_MODE << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, files[name].encode("utf-8"), compresslevel=9)
    return buffer.getvalue()


class _Refused(Exception):
    """The zip cannot be taken at all: these problems, no files."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


def read_module_zip(data: bytes, *, filename: str = "module.zip") -> ModuleArchive:
    """Read a module from a zip (one folder, or the files at the top) and check it.

    `filename` names the zip in problems about the zip as a whole. A zip that is unsafe or
    cannot be read gives its problems and no files; a file with a name a module does not have
    or that is not UTF-8 is a problem and left out, and the rest is checked.
    """
    try:
        folder, files, problems = _unpack(data, filename)
    except _Refused as refused:
        return ModuleArchive(None, {}, refused.problems)
    slug = folder if folder is not None else _front_slug(files)
    if folder is not None and not KEY.match(folder):
        message = _("the folder name '%(folder)s' must match [a-z0-9-]", folder=folder)
        problems.append(Problem(filename, 1, message))
    if slug is not None and not KEY.match(slug):
        # The checker reports a bad slug in the front matter itself.
        slug = None
    _lessons, found = check_module_files(folder or slug or "", files)
    return ModuleArchive(slug, files, problems + found)


def _unpack(data: bytes, filename: str) -> tuple[str | None, dict[str, str], list[Problem]]:
    if len(data) > MAX_ARCHIVE_BYTES:
        message = _("the zip is larger than %(size)s", size=_megabytes(MAX_ARCHIVE_BYTES))
        raise _refused(filename, message)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _refused(filename, _("this is not a zip file")) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            message = _(
                "the zip holds %(count)s entries, at most %(most)s",
                count=len(entries),
                most=MAX_ENTRIES,
            )
            raise _refused(filename, message)
        entries = [entry for entry in entries if not SKIPPED.search(entry.filename)]
        unsafe = [problem for entry in entries for problem in _unsafe(entry)]
        if unsafe:
            raise _Refused(unsafe)
        folder, wanted, problems = _layout(entries, filename)
        files, unreadable = _read(archive, wanted, filename)
    return folder, files, problems + unreadable


def _refused(path: str, message: str) -> _Refused:
    return _Refused([Problem(path, 1, message)])


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _unsafe(entry: zipfile.ZipInfo) -> list[Problem]:
    """Refuse names that could leave the folder and entries that are not plain files."""
    name = entry.filename
    parts = name.rstrip("/").split("/")
    if name.startswith("/") or DRIVE.match(name) or "\\" in name or "\0" in name:
        return [Problem(name, 1, _("an absolute path or a backslash is not allowed in a zip"))]
    if any(part in ("", ".", "..") for part in parts):
        message = _("a path with '..', '.' or an empty folder name is not allowed")
        return [Problem(name, 1, message)]
    mode = entry.external_attr >> 16
    if entry.create_system == UNIX and stat.S_ISLNK(mode):
        return [Problem(name, 1, _("a symbolic link is not allowed in a zip"))]
    if entry.flag_bits & 0x1:
        return [Problem(name, 1, _("an encrypted file cannot be read"))]
    return []


def _layout(
    entries: list[zipfile.ZipInfo], filename: str
) -> tuple[str | None, list[zipfile.ZipInfo], list[Problem]]:
    """Find the one top folder (None for files at the top) and the files to read."""
    folders = sorted({e.filename.split("/")[0] for e in entries if "/" in e.filename})
    if len(folders) > 1:
        message = _(
            "the zip must hold one folder, not %(count)s: %(folders)s",
            count=len(folders),
            folders=", ".join(folders),
        )
        raise _refused(filename, message)
    folder = folders[0] if folders else None
    depth = 2 if folder else 1
    allowed = module_file_names()
    wanted: list[zipfile.ZipInfo] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.is_dir():
            if entry.filename.rstrip("/") != folder:
                message = _("a module folder holds no folders")
                problems.append(Problem(entry.filename, 1, message))
            continue
        parts = entry.filename.split("/")
        if len(parts) != depth:
            if folder:
                message = _("every file must be in the folder '%(folder)s'", folder=folder)
            else:
                message = _("every file must be at the top of the zip")
            problems.append(Problem(entry.filename, 1, message))
        elif parts[-1] not in allowed:
            message = _(
                "'%(name)s' is not a module file: a module holds %(allowed)s",
                name=parts[-1],
                allowed=", ".join(allowed),
            )
            problems.append(Problem(entry.filename, 1, message))
        elif parts[-1] in seen:
            problems.append(Problem(entry.filename, 1, _("this file is in the zip twice")))
        else:
            seen.add(parts[-1])
            wanted.append(entry)
    return folder, wanted, problems


def _read(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], filename: str
) -> tuple[dict[str, str], list[Problem]]:
    """Unpack the files within the limits and decode them as UTF-8."""
    declared = sum(entry.file_size for entry in entries)
    if declared > MAX_TOTAL_BYTES:
        message = _(
            "the files unpack to %(size)s, at most %(most)s",
            size=_megabytes(declared),
            most=_megabytes(MAX_TOTAL_BYTES),
        )
        raise _refused(filename, message)
    files: dict[str, str] = {}
    problems: list[Problem] = []
    total = 0
    for entry in entries:
        if entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            message = _(
                "this file unpacks to more than %(ratio)s times its packed size", ratio=MAX_RATIO
            )
            raise _refused(entry.filename, message)
        try:
            with archive.open(entry) as stream:
                data = stream.read(MAX_TOTAL_BYTES - total + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError):
            raise _refused(entry.filename, _("this file in the zip is damaged")) from None
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            message = _("the files unpack to more than %(most)s", most=_megabytes(MAX_TOTAL_BYTES))
            raise _refused(filename, message)
        name = entry.filename.split("/")[-1]
        try:
            files[name] = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            problems.append(Problem(entry.filename, line, _("this file is not UTF-8 text")))
    return files, problems


def _front_slug(files: dict[str, str]) -> str | None:
    """Return the slug in the front matter of the first language file that has one."""
    for language in LANGUAGES:
        name = f"{language}.md"
        if name not in files:
            continue
        try:
            front = parse_lesson_text(files[name], name).front
        except LessonSyntaxError:
            continue
        if isinstance(front.get("slug"), str):
            return front["slug"]
    return None
