"""A module as a zip: export, import, and every kind of bad zip with its problem."""

import io
import os
import stat
import warnings
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLE_LESSONS_DIR

from classroom.lessons.archive import MAX_TOTAL_BYTES, ModuleArchive, module_zip, read_module_zip
from classroom.lessons.checks import Problem, check_module_folder, module_file_names, module_folders

LIBRARY = Path(__file__).resolve().parent.parent / "lessons"


def folder_files(folder: Path) -> dict[str, str]:
    return {
        name: (folder / name).read_text(encoding="utf-8")
        for name in module_file_names()
        if (folder / name).is_file()
    }


def sample() -> dict[str, str]:
    return folder_files(SAMPLE_LESSONS_DIR / "sample")


def raw_zip(*entries) -> bytes:
    """A zip written as given: (name or ZipInfo, bytes) pairs, no checks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name is what one test wants
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def problems_of(data: bytes) -> list[Problem]:
    return read_module_zip(data).problems


@pytest.mark.parametrize("folder", module_folders(LIBRARY), ids=lambda folder: folder.name)
def test_every_library_module_survives_export_and_import(folder):
    files = folder_files(folder)
    data = module_zip(folder.name, files)
    archive = read_module_zip(data)
    assert archive.slug == folder.name
    assert archive.files == files
    assert [problem for problem in archive.problems if not problem.warning] == []
    # The same warnings as `flask lessons check`, named by file name.
    _lessons, from_folder = check_module_folder(folder)
    assert sorted(archive.problems) == sorted(
        Problem(Path(p.path).name, p.line, p.message, p.warning) for p in from_folder
    )
    assert module_zip(archive.slug, archive.files) == data


def test_the_zip_is_the_lessons_folder_format_and_always_the_same_bytes():
    data = module_zip("sample", sample())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
    assert [entry.filename for entry in entries] == [
        "sample/", "sample/en.md", "sample/nl.md", "sample/pack.en.md", "sample/pack.nl.md",
    ]  # fmt: skip
    assert {entry.date_time for entry in entries} == {(1980, 1, 1, 0, 0, 0)}
    assert [stat.filemode(entry.external_attr >> 16) for entry in entries] == [
        "drwxr-xr-x", *["-rw-r--r--"] * 4,
    ]  # fmt: skip
    reordered = dict(reversed(list(sample().items())))
    assert module_zip("sample", reordered) == data


def test_a_module_in_one_language_goes_out_and_in():
    files = {"en.md": sample()["en.md"]}
    archive = read_module_zip(module_zip("sample", files))
    assert archive == ModuleArchive("sample", files, [])


def test_files_at_the_top_of_the_zip_take_the_slug_from_the_front_matter():
    files = sample()
    archive = read_module_zip(raw_zip(*((name, text.encode()) for name, text in files.items())))
    assert archive == ModuleArchive("sample", files, [])


def test_macos_leftovers_are_skipped():
    files = sample()
    data = raw_zip(
        *((f"sample/{name}", text.encode()) for name, text in files.items()),
        ("__MACOSX/sample/._nl.md", b"\x00\x05\x16\x07"),
        ("sample/.DS_Store", b"\x00\x00\x00\x01Bud1"),
    )
    assert read_module_zip(data) == ModuleArchive("sample", files, [])


@pytest.mark.parametrize(
    "data",
    [b"", b"nl.md: just text", b"PK\x03\x04 broken", os.urandom(300)],
    ids=["empty", "text", "broken", "noise"],
)
def test_not_a_zip_is_one_clear_problem(data):
    assert read_module_zip(data) == ModuleArchive(
        None, {}, [Problem("module.zip", 1, "this is not a zip file")]
    )
    named = read_module_zip(data, filename="film.zip")
    assert named.problems == [Problem("film.zip", 1, "this is not a zip file")]


def test_a_module_file_with_a_mistake_is_reported_by_file_and_line():
    files = sample()
    files["nl.md"] = files["nl.md"].replace("summary: Een les om de app te testen.\n", "")
    archive = read_module_zip(module_zip("sample", files))
    assert archive.slug == "sample" and archive.files == files
    assert archive.problems == [Problem("nl.md", 2, "missing field 'summary' in the lesson")]


def test_a_folder_named_differently_from_the_slug_is_reported():
    data = raw_zip(*((f"film/{name}", text.encode()) for name, text in sample().items()))
    archive = read_module_zip(data)
    assert archive.slug == "film"
    assert Problem("nl.md", 2, "slug 'sample' differs from the module's slug 'film'") in (
        archive.problems
    )
    bad = raw_zip(("Mijn Les/nl.md", sample()["nl.md"].encode()))
    assert read_module_zip(bad).slug is None
    assert Problem("module.zip", 1, "the folder name 'Mijn Les' must match [a-z0-9-]") in (
        problems_of(bad)
    )


def test_other_files_are_named_and_left_out():
    files = sample()
    data = raw_zip(
        *((f"sample/{name}", text.encode()) for name, text in files.items()),
        ("sample/notes.txt", b"mine"),
        ("sample/images/", b""),
        ("sample/images/poster.png", b"\x89PNG"),
        ("readme.md", b"hi"),
    )
    archive = read_module_zip(data)
    assert archive.slug == "sample" and archive.files == files
    held = "nl.md, en.md, pack.nl.md, pack.en.md"
    assert sorted(archive.problems) == [
        Problem("readme.md", 1, "every file must be in the folder 'sample'"),
        Problem("sample/images/", 1, "a module folder holds no folders"),
        Problem("sample/images/poster.png", 1, "every file must be in the folder 'sample'"),
        Problem("sample/notes.txt", 1, f"'notes.txt' is not a module file: a module holds {held}"),
    ]


def test_two_folders_are_refused():
    data = raw_zip(("a/nl.md", b"x"), ("b/en.md", b"y"))
    assert read_module_zip(data) == ModuleArchive(
        None, {}, [Problem("module.zip", 1, "the zip must hold one folder, not 2: a, b")]
    )


def test_a_file_twice_is_refused():
    text = sample()["nl.md"].encode()
    problems = problems_of(raw_zip(("sample/nl.md", text), ("sample/nl.md", text)))
    assert Problem("sample/nl.md", 1, "this file is in the zip twice") in problems


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../nl.md", "a path with '..', '.' or an empty folder name is not allowed"),
        ("sample/../../nl.md", "a path with '..', '.' or an empty folder name is not allowed"),
        ("/etc/nl.md", "an absolute path or a backslash is not allowed in a zip"),
        ("C:/lessen/nl.md", "an absolute path or a backslash is not allowed in a zip"),
        ("sample\\..\\nl.md", "an absolute path or a backslash is not allowed in a zip"),
        ("sample//nl.md", "a path with '..', '.' or an empty folder name is not allowed"),
    ],
)
def test_paths_that_could_leave_the_folder_are_refused(name, message):
    info = zipfile.ZipInfo("placeholder")
    info.filename = name  # ZipInfo would clean some of these; a hostile zip does not
    data = raw_zip((info, sample()["nl.md"].encode()), ("sample/en.md", b"y"))
    assert read_module_zip(data) == ModuleArchive(None, {}, [Problem(name, 1, message)])


def test_a_symbolic_link_is_refused():
    link = zipfile.ZipInfo("sample/nl.md")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = raw_zip((link, b"/etc/passwd"), ("sample/en.md", sample()["en.md"].encode()))
    assert read_module_zip(data) == ModuleArchive(
        None, {}, [Problem("sample/nl.md", 1, "a symbolic link is not allowed in a zip")]
    )


def test_a_file_that_is_not_utf8_is_named_with_its_line():
    files = sample()
    text = files["nl.md"].replace("Voorbeeldles", "Voorbeeldles één")
    latin1 = text.encode("latin-1", errors="replace")  # the sample has curly quotes
    data = raw_zip(("sample/nl.md", latin1), ("sample/en.md", files["en.md"].encode()))
    archive = read_module_zip(data)
    assert archive.files == {"en.md": files["en.md"]}
    assert archive.problems == [Problem("sample/nl.md", 3, "this file is not UTF-8 text")]


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = raw_zip(("sample/nl.md", b"a" * 900_000))
    assert read_module_zip(bomb) == ModuleArchive(
        None,
        {},
        [Problem("sample/nl.md", 1, "this file unpacks to more than 100 times its packed size")],
    )


def test_files_that_unpack_too_large_are_refused():
    # Random hex packs to about half its size: under the ratio, over the total.
    half = os.urandom(MAX_TOTAL_BYTES // 4).hex().encode()
    data = raw_zip(("sample/nl.md", half), ("sample/en.md", half + b"x"))
    assert read_module_zip(data) == ModuleArchive(
        None, {}, [Problem("module.zip", 1, "the files unpack to 1.0 MB, at most 1.0 MB")]
    )
    assert problems_of(b"PK" + bytes(MAX_TOTAL_BYTES + 100_000)) == [
        Problem("module.zip", 1, "the zip is larger than 1.1 MB")
    ]


def test_too_many_entries_are_refused():
    data = raw_zip(*((f"sample/{number}.md", b"x") for number in range(17)))
    assert problems_of(data) == [Problem("module.zip", 1, "the zip holds 17 entries, at most 16")]


def test_a_damaged_file_in_the_zip_is_named():
    text = sample()["nl.md"].encode()
    data = bytearray(raw_zip(("sample/nl.md", text)))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("sample/nl.md")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    assert read_module_zip(bytes(data)) == ModuleArchive(
        None, {}, [Problem("sample/nl.md", 1, "this file in the zip is damaged")]
    )


def test_an_encrypted_file_is_refused():
    data = bytearray(raw_zip(("sample/nl.md", sample()["nl.md"].encode())))
    # Set the 'encrypted' flag in the local header and in the central directory.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.index(signature) + offset
        data[position] |= 0x01
    assert read_module_zip(bytes(data)) == ModuleArchive(
        None, {}, [Problem("sample/nl.md", 1, "an encrypted file cannot be read")]
    )


def test_module_zip_refuses_what_cannot_be_a_module():
    with pytest.raises(ValueError, match="slug"):
        module_zip("../evil", sample())
    with pytest.raises(ValueError, match=r"notes\.txt"):
        module_zip("sample", {"nl.md": "x", "notes.txt": "y"})
