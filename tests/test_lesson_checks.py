"""`flask lessons check` on deliberately broken copies of the sample module."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SAMPLE_LESSONS_DIR
from flask import session

from classroom.lessons.archive import read_module_zip
from classroom.lessons.checks import (
    LANGUAGES,
    Problem,
    check_module_files,
    check_module_folder,
)
from classroom.lessons.content import get_library


@pytest.fixture
def lessons_dir(tmp_path):
    shutil.copytree(SAMPLE_LESSONS_DIR, tmp_path / "lessons")
    return tmp_path / "lessons"


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path, needle, occurrence=1):
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, start=1) if needle in line]
    return found[occurrence - 1]


def check(runner):
    result = runner.invoke(args=["lessons", "check"])
    return result.exit_code, result.output


# Broken copies of the sample module, one per case: the files it edits (file, old, new) or
# removes, the exit code of `flask lessons check`, and each problem it must report as
# (file, line, message). The line is a number, the first line holding a text, or (text, n)
# for its n-th line; None checks the message anywhere in the output.
@dataclass(frozen=True)
class Broken:
    id: str
    edits: tuple[tuple[str, str, str], ...] = ()
    reported: tuple[tuple[str | None, int | str | tuple[str, int] | None, str], ...] = ()
    removed: tuple[str, ...] = ()
    code: int = 1
    absent: tuple[str, ...] = ()


NL_HOME_PRE_SCALE = "    scale: [Helemaal oneens, Helemaal eens]\n    discuss:\n"
EN_HOME_PRE_SCALE = "    scale: [Strongly disagree, Strongly agree]\n    discuss:\n"
SENSITIVE = tuple(
    (name, scale, scale.replace("    discuss:", "    sensitive: true\n    discuss:"))
    for name, scale in (("nl.md", NL_HOME_PRE_SCALE), ("en.md", EN_HOME_PRE_SCALE))
)
SLACK_STEP = ("nl.md", "### 2. Peilen (12 min)", "### 2. Peilen (12 min)\n\n### 3. Speling (5 min)")
NO_PACKS = ("pack.nl.md", "pack.en.md")
NUMBERED_STEPS = (
    ("nl.md", "### 1. Meedoen (3 min)\n\nStappen.", "1. **Meedoen (3 minuten).** Stappen."),
    ("nl.md", "### 2. Peilen (12 min)\n\nPeilen.", "2. **Peilen (12 minuten).** Peilen."),
)
NO_PROBLEMS = "1 module(s) checked, no problems.\n"

BROKEN = [
    Broken("the_intact_sample_passes", code=0),
    Broken(
        "a_missing_field_is_reported_with_file_and_line",
        edits=(("nl.md", "summary: Een les om de app te testen.\n", ""),),
        reported=(("nl.md", 2, "missing field 'summary' in the lesson"),),
    ),
    Broken(
        "a_duplicate_poll_key_is_reported_at_the_second_one",
        edits=(("nl.md", "  - key: weekend", "  - key: colour"),),
        reported=(("nl.md", ("- key: colour", 2), "poll key 'colour' is used twice"),),
    ),
    Broken(
        "a_poll_key_in_one_language_only_is_reported",
        edits=(("en.md", "  - key: word", "  - key: one-word"),),
        reported=(("en.md", "- key: one-word", "poll 'one-word' is not in nl.md"),),
    ),
    Broken(
        "an_invalid_question_type_is_reported",
        edits=(("nl.md", "    type: multiple", "    type: slider"),),
        reported=(("nl.md", "type: slider", "poll 'weekend': type 'slider' must be one of"),),
    ),
    Broken(
        "a_pair_whose_questions_differ_in_type_is_reported",
        edits=(
            (
                "nl.md",
                "    type: scale\n    question: Ik voel me thuis in deze klas.\n"
                "    scale: [Helemaal oneens, Helemaal eens]\n    compare_to: home-pre",
                "    type: single\n    question: Ik voel me thuis in deze klas.\n"
                "    options: [Ja, Nee]\n    compare_to: home-pre",
            ),
        ),
        reported=(
            ("nl.md", "compare_to: home-pre", "poll 'home-post': its type differ from 'home-pre'"),
            (
                "nl.md",
                "compare_to: home-pre",
                "poll 'home-post': its options differ from 'home-pre'",
            ),
        ),
    ),
    Broken(
        "a_pair_whose_options_differ_is_reported",
        edits=(
            (
                "nl.md",
                "Helemaal eens]\n    compare_to: home-pre",
                "Eens]\n    compare_to: home-pre",
            ),
        ),
        reported=(
            (
                "nl.md",
                "compare_to: home-pre",
                "poll 'home-post': its scale labels differ from 'home-pre'",
            ),
        ),
    ),
    Broken(
        "invalid_yaml_is_reported_at_its_line",
        edits=(("nl.md", "levels: [havo, vwo]", "levels: [havo, vwo"),),
        reported=(("nl.md", "years: [lower]", "invalid YAML: "),),
    ),
    Broken(
        "a_missing_guide_section_and_a_shallow_nested_list_are_reported",
        edits=(
            ("nl.md", "## Tips {#tips}", "## Tips {#hints}"),
            ("nl.md", "Stappen.", "1. Stap\n  - te weinig ingesprongen"),
        ),
        reported=(
            (None, None, "the guide has no section '## … {#tips}'"),
            ("nl.md", "te weinig ingesprongen", "indent a nested list item by 4 spaces"),
        ),
    ),
    Broken(
        "a_missing_language_file_is_reported",
        removed=("en.md",),
        reported=(("en.md", 1, "missing file: every module needs en.md"),),
    ),
    Broken(
        "duration_must_match_the_phases",
        edits=(("en.md", "duration: 50", "duration: 60"),),
        reported=(("en.md", "duration: 60", "duration is 60 but the phases add up to 50 minutes"),),
    ),
    Broken(
        "a_sensitive_poll_with_an_alone_prompt_is_refused",
        edits=SENSITIVE,
        reported=(
            (
                "nl.md",
                "alone: Zeg dat elke stem telt.",
                "poll 'home-pre' is sensitive: no 'alone' prompt",
            ),
            (
                "nl.md",
                "ask: [",
                "poll 'home-pre' is sensitive: its prompts must offer a private route",
            ),
            (
                "en.md",
                "ask: [",
                "poll 'home-pre' is sensitive: its prompts must say 'niet iedereen …'",
            ),
        ),
    ),
    Broken(
        "a_sensitive_poll_with_split_unanimous_and_a_private_route_passes",
        edits=(
            *SENSITIVE,
            # The first of each is home-pre's.
            ("nl.md", "      alone: Zeg dat elke stem telt.\n", ""),
            ("en.md", "      alone: Say every voice counts.\n", ""),
            ("nl.md", "Vraag wie twijfelde.", "Niet iedereen, zie de mentor."),
            (
                "en.md",
                "Ask who hesitated.",
                "Not everyone feels so, talk to the confidential adviser.",
            ),
        ),
        code=0,
    ),
    Broken(
        "sensitive_must_be_the_same_in_both_languages",
        edits=(
            ("en.md", "  - key: weekend\n", "  - key: weekend\n    sensitive: false\n"),
            ("nl.md", "  - key: weekend\n", "  - key: weekend\n    sensitive: yes please\n"),
        ),
        reported=(
            ("nl.md", "sensitive: yes please", "poll 'weekend': sensitive must be true or false"),
        ),
    ),
    Broken(
        "the_first_phase_needs_a_joining_step",
        edits=(("nl.md", "### 1. Meedoen (3 min)", "### 1. Welkom (3 min)"),),
        reported=(("nl.md", "{#pre}", "the first phase needs a joining step of 3 minutes"),),
    ),
    Broken(
        "a_two_minute_joining_step_is_too_short",
        edits=(("en.md", "### 1. Joining (3 min)", "### 1. Joining (2 min)"),),
        reported=(("en.md", "{#pre}", "the first phase needs a joining step of 3 minutes"),),
    ),
    Broken(
        "a_plan_without_slack_is_refused",
        edits=(("nl.md", "### 2. Peilen (12 min)", "### 2. Peilen (15 min)"),),
        reported=(
            ("nl.md", "duration: 50", "the plan leaves 2 minute(s) of slack; leave at least 5"),
        ),
    ),
    Broken("a_slack_step_counts_as_slack", edits=(SLACK_STEP,), code=0),
    Broken(
        "steps_that_overfill_their_phase_are_refused",
        edits=(SLACK_STEP, ("nl.md", "### 2. Peilen (12 min)", "### 2. Peilen (22 min)")),
        reported=(
            ("nl.md", "{#pre}", "the steps of phase 'pre' add up to 25 minutes, more than its 20"),
        ),
    ),
    Broken(
        "every_way_of_answering_needs_a_preparation_line",
        edits=(("nl.md", "- **Papier**: uitleg.\n", ""),),
        reported=(
            ("nl.md", "{#preparation}", "the preparation has no line for answering by 'Papier'"),
        ),
        absent=("'Telefoons'",),
    ),
    Broken(
        "a_link_to_a_document_dump_host_is_refused",
        edits=(
            ("en.md", "https://example.org/source", "https://www.slideshare.net/someone/a-report"),
            ("en.md", "Lees de les.", "Lees https://dictionary.psychologydb.com/contact."),
        ),
        reported=(
            ("en.md", "slideshare.net", "link to a document-dump host (slideshare.net)"),
            ("en.md", "psychologydb", "link to a document-dump host (dictionary.psychologydb.com)"),
        ),
    ),
    Broken(
        "a_similar_but_harmless_host_is_allowed",
        edits=(("en.md", "https://example.org/source", "https://notfok.nl/x"),),
        code=0,
    ),
    Broken(
        "a_source_without_a_year_is_a_warning_only",
        edits=(("nl.md", "- Bron, *Titel* (2020).", "- Bron, *Titel*."),),
        code=0,
        reported=(
            ("nl.md", "- Bron, *Titel*.", "warning: this source has no year"),
            (None, None, "1 module(s) checked, no problems, 1 warning(s)."),
        ),
    ),
    Broken(
        "a_pack_needs_both_languages",
        removed=("pack.en.md",),
        reported=(("pack.en.md", 1, "missing file: a pack needs every language"),),
    ),
    Broken(
        "both_packs_need_the_same_number_of_handouts",
        edits=(("pack.en.md", "## Letter to parents", "### Letter to parents"),),
        reported=(("pack.en.md", 1, "1 handouts here, 2 in pack.nl.md"),),
    ),
    Broken("a_module_without_a_pack_passes", removed=NO_PACKS, code=0),
    Broken(
        "a_guide_that_sends_the_teacher_to_a_missing_pack_is_refused",
        removed=NO_PACKS,
        edits=(("nl.md", "Peilen.\n", "Print de rolkaarten uit het lespakket.\n"),),
        reported=(
            (
                "nl.md",
                "uit het lespakket",
                "the guide refers to the pack, but pack.nl.md is missing",
            ),
        ),
    ),
    Broken("steps_may_also_be_numbered_items_with_bold_titles", edits=NUMBERED_STEPS, code=0),
    Broken(
        "numbered_steps_count_towards_the_slack",
        edits=(
            *NUMBERED_STEPS,
            ("nl.md", "2. **Peilen (12 minuten).**", "2. **Peilen (16 minuten).**"),
        ),
        reported=(
            ("nl.md", "duration: 50", "the plan leaves 1 minute(s) of slack; leave at least 5"),
        ),
    ),
    Broken(
        "a_projector_text_that_is_not_text_is_reported",
        edits=(
            (
                "nl.md",
                "    title: Voorgesprek\n",
                "    title: Voorgesprek\n    projector: [a, b]\n",
            ),
        ),
        reported=(
            ("nl.md", "projector: [a, b]", "phase 'pre': 'projector' must be non-empty text"),
        ),
    ),
    Broken(
        "a_projector_text_that_is_too_long_is_reported",
        edits=(
            (
                "nl.md",
                "    title: Voorgesprek\n",
                f"    title: Voorgesprek\n    projector: {'x' * 601}\n",
            ),
        ),
        reported=(
            ("nl.md", "projector: x", "phase 'pre': 'projector' is 601 characters (at most 600)"),
        ),
    ),
]


@pytest.mark.parametrize("case", BROKEN, ids=lambda case: case.id)
def test_lessons_check_on_a_broken_copy(runner, lessons_dir, case):
    folder = lessons_dir / "sample"
    for name in case.removed:
        (folder / name).unlink()
    for name, old, new in case.edits:
        edit(folder / name, old, new)
    code, output = check(runner)
    assert code == case.code, output
    if case.code == 0 and not case.reported:
        assert output == NO_PROBLEMS
    for name, where, message in case.reported:
        if where is None:
            assert message in output
            continue
        path = folder / name
        if not isinstance(where, int):
            needle, occurrence = where if isinstance(where, tuple) else (where, 1)
            where = line_of(path, needle, occurrence)
        assert f"{path}:{where}: {message}" in output
    for text in case.absent:
        assert text not in output


# check_module_files: the same checks on texts that live in the database, one or both languages.


def sample_files(*names):
    folder = SAMPLE_LESSONS_DIR / "sample"
    names = names or ("nl.md", "en.md", "pack.nl.md", "pack.en.md")
    return {name: (folder / name).read_text(encoding="utf-8") for name in names}


def errors(problems):
    return [problem for problem in problems if not problem.warning]


def test_module_texts_in_both_languages_pass_like_the_folder():
    lessons, problems = check_module_files("sample", sample_files())
    assert sorted(lessons) == ["en", "nl"]
    assert problems == []


@pytest.mark.parametrize("names", [("nl.md",), ("en.md",), ("nl.md", "pack.nl.md")])
def test_a_module_in_one_language_passes_unless_both_are_asked(names):
    lessons, problems = check_module_files("sample", sample_files(*names))
    assert problems == [] and len(lessons) == 1
    _lessons, problems = check_module_files("sample", sample_files(*names), languages=LANGUAGES)
    missing = "en.md" if names[0] == "nl.md" else "nl.md"
    assert Problem(missing, 1, f"missing file: every module needs {missing}") in problems


def test_a_module_without_any_language_file_is_refused():
    _lessons, problems = check_module_files("sample", {})
    assert problems == [Problem("nl.md", 1, "missing file: a module needs nl.md or en.md")]


def test_problems_name_the_file_and_its_line():
    files = sample_files("nl.md", "en.md")
    files["nl.md"] = files["nl.md"].replace("summary: Een les om de app te testen.\n", "")
    files["en.md"] = files["en.md"].replace("  - key: word", "  - key: one-word")
    _lessons, problems = check_module_files("sample", files)
    assert problems == [Problem("nl.md", 2, "missing field 'summary' in the lesson")]
    assert str(problems[0]) == "nl.md:2: missing field 'summary' in the lesson"
    files["nl.md"] = sample_files("nl.md")["nl.md"]
    _lessons, problems = check_module_files("sample", files)
    line = files["en.md"].splitlines().index("  - key: one-word") + 1
    assert Problem("en.md", line, "poll 'one-word' is not in nl.md") in problems


def test_the_slug_must_be_the_modules_and_well_formed():
    _lessons, problems = check_module_files("other", sample_files("nl.md"))
    assert problems == [Problem("nl.md", 2, "slug 'sample' differs from the module's slug 'other'")]
    files = {"nl.md": sample_files("nl.md")["nl.md"].replace("slug: sample", "slug: ../x")}
    _lessons, problems = check_module_files("../x", files)
    assert problems == [Problem("nl.md", 2, "slug '../x' must match [a-z0-9-]")]


def test_unknown_file_names_and_a_pack_without_its_guide_are_refused():
    files = sample_files("nl.md", "pack.nl.md", "pack.en.md")
    files["notes.txt"] = "x"
    _lessons, problems = check_module_files("sample", files)
    assert problems == [
        Problem("notes.txt", 1, "unknown file 'notes.txt': a module holds only "
                "nl.md, en.md, pack.nl.md, pack.en.md"),
        Problem("pack.en.md", 1, "a pack without its guide: en.md is missing"),
    ]  # fmt: skip


def test_the_folder_check_and_the_text_check_find_the_same_problems(runner, lessons_dir):
    folder = lessons_dir / "sample"
    edit(folder / "nl.md", "    type: multiple", "    type: slider")
    edit(folder / "en.md", "duration: 50", "duration: 60")
    edit(folder / "pack.en.md", "## Letter to parents", "### Letter to parents")
    _lessons, from_folder = check_module_folder(folder)
    files = {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()}
    _lessons, from_texts = check_module_files("sample", files, languages=LANGUAGES)
    assert len(errors(from_folder)) >= 3
    assert sorted(from_texts) == sorted(
        Problem(Path(p.path).name, p.line, p.message, p.warning) for p in from_folder
    )


# The editor shows the checker's messages in the teacher's language; the command in English.


def broken_sample():
    files = sample_files("nl.md", "en.md")
    files["nl.md"] = files["nl.md"].replace("summary: Een les om de app te testen.\n", "")
    files["nl.md"] = files["nl.md"].replace("    type: multiple", "    type: slider")
    files["nl.md"] = files["nl.md"].replace("### 1. Meedoen (3 min)", "### 1. Welkom (3 min)")
    return files


def messages_in(app, language=None):
    with app.test_request_context("/"):
        if language:
            session["language"] = language
        _lessons, problems = check_module_files("sample", broken_sample())
        archive = read_module_zip(b"not a zip")
    return [problem.message for problem in sorted(problems + archive.problems)]


def test_problems_are_in_dutch_for_a_dutch_teacher(app):
    messages = messages_in(app)  # Dutch is the default
    assert messages == messages_in(app, "nl")
    assert "veld 'summary' ontbreekt in de les" in messages
    assert any(
        message.startswith("peiling 'weekend': type 'slider' moet een van (")
        for message in messages
    )
    assert (
        "de eerste fase heeft een stap van 3 minuten om mee te doen nodig, "
        "zoals in '### 1. Meedoen (3 min)'" in messages
    )
    assert "dit is geen zipbestand" in messages


def test_problems_are_in_english_for_an_english_teacher_and_outside_requests(app):
    messages = messages_in(app, "en")
    assert "missing field 'summary' in the lesson" in messages
    assert any(
        message.startswith("poll 'weekend': type 'slider' must be one of (") for message in messages
    )
    assert "this is not a zip file" in messages
    _lessons, problems = check_module_files("sample", broken_sample())
    archive = read_module_zip(b"not a zip")
    assert [problem.message for problem in sorted(problems + archive.problems)] == messages
    assert str(sorted(problems)[0]).startswith("nl.md:")


def test_the_cached_library_logs_in_english_for_a_dutch_request(app, lessons_dir):
    edit(lessons_dir / "sample" / "nl.md", "summary: Een les om de app te testen.\n", "")
    with app.test_request_context("/"):
        session["language"] = "nl"
        library = get_library()
        assert [problem.message for problem in library.problems] == [
            "missing field 'summary' in the lesson"
        ]
