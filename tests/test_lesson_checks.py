"""`flask lessons check` on deliberately broken copies of the sample module."""

import shutil
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


def test_the_intact_sample_passes(runner):
    assert check(runner) == (0, "1 module(s) checked, no problems.\n")


def test_a_missing_field_is_reported_with_file_and_line(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "summary: Een les om de app te testen.\n", "")
    code, output = check(runner)
    assert code == 1
    assert f"{path}:2: missing field 'summary' in the lesson" in output


def test_a_duplicate_poll_key_is_reported_at_the_second_one(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "  - key: weekend", "  - key: colour")
    code, output = check(runner)
    assert code == 1
    assert f"{path}:{line_of(path, '- key: colour', 2)}: poll key 'colour' is used twice" in output


def test_a_poll_key_in_one_language_only_is_reported(runner, lessons_dir):
    path = lessons_dir / "sample" / "en.md"
    edit(path, "  - key: word", "  - key: one-word")
    code, output = check(runner)
    assert code == 1
    assert f"{path}:{line_of(path, '- key: one-word')}: poll 'one-word' is not in nl.md" in output


def test_an_invalid_question_type_is_reported(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "    type: multiple", "    type: slider")
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "type: slider")
    assert f"{path}:{line}: poll 'weekend': type 'slider' must be one of" in output


def test_a_pair_whose_questions_differ_in_type_is_reported(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    text = path.read_text(encoding="utf-8")
    head, post = text.split("  - key: home-post")
    post = post.replace("type: scale", "type: single", 1).replace(
        "scale: [Helemaal oneens, Helemaal eens]", "options: [Ja, Nee]", 1
    )
    path.write_text(head + "  - key: home-post" + post, encoding="utf-8")
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "compare_to: home-pre")
    assert f"{path}:{line}: poll 'home-post': its type differ from 'home-pre'" in output
    assert f"{path}:{line}: poll 'home-post': its options differ from 'home-pre'" in output


def test_a_pair_whose_options_differ_is_reported(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    text = path.read_text(encoding="utf-8")
    head, post = text.split("  - key: home-post")
    post = post.replace("Helemaal eens]", "Eens]", 1)
    path.write_text(head + "  - key: home-post" + post, encoding="utf-8")
    code, output = check(runner)
    assert code == 1
    assert "poll 'home-post': its scale labels differ from 'home-pre'" in output


def test_invalid_yaml_is_reported_at_its_line(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "levels: [havo, vwo]", "levels: [havo, vwo")
    code, output = check(runner)
    assert code == 1
    assert f"{path}:" in output and "invalid YAML" in output


def test_a_missing_guide_section_and_a_shallow_nested_list_are_reported(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "## Tips {#tips}", "## Tips {#hints}")
    edit(path, "Stappen.", "1. Stap\n  - te weinig ingesprongen")
    code, output = check(runner)
    assert code == 1
    assert "the guide has no section '## … {#tips}'" in output
    line = line_of(path, "te weinig ingesprongen")
    assert f"{path}:{line}: indent a nested list item by 4 spaces" in output


def test_a_missing_language_file_is_reported(runner, lessons_dir):
    (lessons_dir / "sample" / "en.md").unlink()
    code, output = check(runner)
    assert code == 1
    assert "sample/en.md:1: missing file: every module needs en.md" in output


def test_duration_must_match_the_phases(runner, lessons_dir):
    path = lessons_dir / "sample" / "en.md"
    edit(path, "duration: 50", "duration: 60")
    code, output = check(runner)
    assert code == 1
    assert "duration is 60 but the phases add up to 50 minutes" in output


def mark_sensitive(path, key="home-pre"):
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(f"  - key: {key}\n", 1)
    rest = rest.replace("    discuss:\n", "    sensitive: true\n    discuss:\n", 1)
    path.write_text(head + f"  - key: {key}\n" + rest, encoding="utf-8")


def test_a_sensitive_poll_with_an_alone_prompt_is_refused(runner, lessons_dir):
    for language in ("nl", "en"):
        mark_sensitive(lessons_dir / "sample" / f"{language}.md")
    path = lessons_dir / "sample" / "nl.md"
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "alone: Zeg dat elke stem telt.")
    assert f"{path}:{line}: poll 'home-pre' is sensitive: no 'alone' prompt" in output
    assert "poll 'home-pre' is sensitive: its prompts must offer a private route" in output
    assert "poll 'home-pre' is sensitive: its prompts must say 'niet iedereen …'" in output


def test_a_sensitive_poll_with_split_unanimous_and_a_private_route_passes(runner, lessons_dir):
    for language, route in (("nl", "de mentor"), ("en", "the confidential adviser")):
        path = lessons_dir / "sample" / f"{language}.md"
        mark_sensitive(path)
        text = path.read_text(encoding="utf-8")
        head, rest = text.split("  - key: colour", 1)
        head = head.replace("      alone: Zeg dat elke stem telt.\n", "", 1)
        head = head.replace("      alone: Say every voice counts.\n", "", 1)
        head = head.replace("Vraag wie twijfelde.", f"Niet iedereen, zie {route}.", 1)
        head = head.replace("Ask who hesitated.", f"Not everyone feels so, talk to {route}.", 1)
        path.write_text(head + "  - key: colour" + rest, encoding="utf-8")
    assert check(runner) == (0, "1 module(s) checked, no problems.\n")


def test_sensitive_must_be_the_same_in_both_languages(runner, lessons_dir):
    path = lessons_dir / "sample" / "en.md"
    edit(path, "  - key: weekend\n", "  - key: weekend\n    sensitive: false\n")
    nl = lessons_dir / "sample" / "nl.md"
    edit(nl, "  - key: weekend\n", "  - key: weekend\n    sensitive: yes please\n")
    code, output = check(runner)
    assert code == 1
    line = line_of(nl, "sensitive: yes please")
    assert f"{nl}:{line}: poll 'weekend': sensitive must be true or false" in output


def test_the_first_phase_needs_a_joining_step(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "### 1. Meedoen (3 min)", "### 1. Welkom (3 min)")
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "{#pre}")
    assert f"{path}:{line}: the first phase needs a joining step of 3 minutes" in output


def test_a_two_minute_joining_step_is_too_short(runner, lessons_dir):
    edit(lessons_dir / "sample" / "en.md", "### 1. Joining (3 min)", "### 1. Joining (2 min)")
    code, output = check(runner)
    assert code == 1
    assert "sample/en.md" in output and "needs a joining step of 3 minutes" in output


def test_a_plan_without_slack_is_refused(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "### 2. Peilen (12 min)", "### 2. Peilen (15 min)")
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "duration: 50")
    assert f"{path}:{line}: the plan leaves 2 minute(s) of slack; leave at least 5" in output


def test_a_slack_step_counts_as_slack_and_overfull_phases_are_refused(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "### 2. Peilen (12 min)", "### 2. Peilen (12 min)\n\n### 3. Speling (5 min)")
    assert check(runner)[0] == 0
    edit(path, "### 2. Peilen (12 min)", "### 2. Peilen (22 min)")
    code, output = check(runner)
    assert code == 1
    assert "the steps of phase 'pre' add up to 25 minutes, more than its 20" in output


def test_every_way_of_answering_needs_a_preparation_line(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "- **Papier**: uitleg.\n", "")
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "{#preparation}")
    assert f"{path}:{line}: the preparation has no line for answering by 'Papier'" in output
    assert "'Telefoons'" not in output


def test_a_link_to_a_document_dump_host_is_refused(runner, lessons_dir):
    path = lessons_dir / "sample" / "en.md"
    edit(path, "https://example.org/source", "https://www.slideshare.net/someone/a-report")
    edit(path, "Lees de les.", "Lees https://dictionary.psychologydb.com/contact.")
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "slideshare.net")
    assert f"{path}:{line}: link to a document-dump host (slideshare.net)" in output
    assert "document-dump host (dictionary.psychologydb.com)" in output


def test_a_similar_but_harmless_host_is_allowed(runner, lessons_dir):
    edit(lessons_dir / "sample" / "en.md", "https://example.org/source", "https://notfok.nl/x")
    assert check(runner)[0] == 0


def test_a_source_without_a_year_is_a_warning_only(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "- Bron, *Titel* (2020).", "- Bron, *Titel*.")
    code, output = check(runner)
    assert code == 0
    line = line_of(path, "- Bron, *Titel*.")
    assert f"{path}:{line}: warning: this source has no year" in output
    assert "1 module(s) checked, no problems, 1 warning(s)." in output


def test_a_pack_needs_both_languages(runner, lessons_dir):
    (lessons_dir / "sample" / "pack.en.md").unlink()
    code, output = check(runner)
    assert code == 1
    assert "sample/pack.en.md:1: missing file: a pack needs every language" in output


def test_both_packs_need_the_same_number_of_handouts(runner, lessons_dir):
    path = lessons_dir / "sample" / "pack.en.md"
    edit(path, "## Letter to parents", "### Letter to parents")
    code, output = check(runner)
    assert code == 1
    assert "sample/pack.en.md:1: 1 handouts here, 2 in pack.nl.md" in output


def test_a_guide_that_sends_the_teacher_to_a_missing_pack_is_refused(runner, lessons_dir):
    for language in ("nl", "en"):
        (lessons_dir / "sample" / f"pack.{language}.md").unlink()
    assert check(runner)[0] == 0
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "Peilen.\n", "Print de rolkaarten uit het lespakket.\n")
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "uit het lespakket")
    assert f"{path}:{line}: the guide refers to the pack, but pack.nl.md is missing" in output


def test_steps_may_also_be_numbered_items_with_bold_titles(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "### 1. Meedoen (3 min)\n\nStappen.", "1. **Meedoen (3 minuten).** Stappen.")
    edit(path, "### 2. Peilen (12 min)\n\nPeilen.", "2. **Peilen (12 minuten).** Peilen.")
    assert check(runner)[0] == 0
    edit(path, "2. **Peilen (12 minuten).**", "2. **Peilen (16 minuten).**")
    code, output = check(runner)
    assert code == 1
    assert "the plan leaves 1 minute(s) of slack; leave at least 5" in output


def test_a_projector_text_that_is_not_text_or_too_long_is_reported(runner, lessons_dir):
    path = lessons_dir / "sample" / "nl.md"
    edit(path, "    title: Voorgesprek\n", "    title: Voorgesprek\n    projector: [a, b]\n")
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "projector: [a, b]")
    assert f"{path}:{line}: phase 'pre': 'projector' must be non-empty text" in output
    edit(path, "    projector: [a, b]\n", f"    projector: {'x' * 601}\n")
    code, output = check(runner)
    assert code == 1
    assert "phase 'pre': 'projector' is 601 characters (at most 600)" in output


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
