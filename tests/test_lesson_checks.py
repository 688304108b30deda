"""`flask lessons check` on deliberately broken copies of the sample module."""

import shutil

import pytest
from conftest import SAMPLE_LESSONS_DIR


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
