"""The lesson library, module pages and the `flask lessons` commands on the real modules."""

import pytest
from conftest import REAL_LESSONS_DIR, make_test_app
from markupsafe import escape

from classroom.lessons.checks import module_folders

SLUGS = [folder.name for folder in module_folders(REAL_LESSONS_DIR)]


@pytest.fixture
def lessons_dir():
    return REAL_LESSONS_DIR


def test_the_library_holds_all_nine_modules():
    assert sorted(SLUGS) == sorted(
        [
            "jihad",
            "discrimination",
            "belonging",
            "polarisation",
            "fake-news",
            "social-media-norms",
            "interview-a-neighbour",
            "doing-together",
            "good-conversation",
        ]
    )


def test_lessons_check_passes_on_the_shipped_modules(runner):
    result = runner.invoke(args=["lessons", "check"])
    assert result.exit_code == 0, result.output
    assert "9 module(s) checked, no problems." in result.output


def test_lessons_list_prints_one_tab_separated_line_per_module(runner):
    result = runner.invoke(args=["lessons", "list"])
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.output.strip().splitlines()]
    assert sorted(row[0] for row in rows) == sorted(SLUGS)
    for _slug, languages, polls, pairs, minutes in rows:
        assert languages == "nl,en"
        assert int(polls) >= 4
        assert int(minutes) > 0
        assert int(pairs) >= 0
    pairs = {row[0]: int(row[3]) for row in rows}
    for attitude_module in ("jihad", "discrimination", "polarisation", "fake-news"):
        assert pairs[attitude_module] >= 1


def test_the_library_needs_a_login(client):
    response = client.get("/lessons/")
    assert response.status_code == 302
    assert "/auth/login" in response.location


def test_the_library_lists_and_filters_modules(teacher):
    page = teacher.client.get("/lessons/").text
    assert "9 modules" in page
    assert "Jihad" in page
    media = teacher.client.get("/lessons/?theme=media-literacy").text
    assert "nepnieuws" in media.lower()
    assert "Jihad" not in media
    lower = teacher.client.get("/lessons/?years=lower").text
    assert "Jihad" not in lower
    none = teacher.client.get("/lessons/?theme=nothing").text
    assert "Er is geen module die bij deze filters past." in none


@pytest.mark.parametrize("slug", SLUGS)
def test_every_module_page_renders_in_both_languages(teacher, slug):
    dutch = teacher.client.get(f"/lessons/{slug}")
    assert dutch.status_code == 200
    assert 'lang="nl"' in dutch.text
    for section in ("preparation", "not-ready", "tips", "sources"):
        assert f'id="{section}"' in dutch.text
    assert "Leerdoelen" in dutch.text
    teacher.client.post("/language", data={"language": "en", "next": f"/lessons/{slug}"})
    english = teacher.client.get(f"/lessons/{slug}")
    assert english.status_code == 200
    assert 'lang="en"' in english.text
    assert "Learning goals" in english.text
    assert english.text != dutch.text


def test_the_module_page_shows_polls_with_discussion_prompts(teacher):
    page = teacher.client.get("/lessons/jihad").text
    assert "Ik voel me thuis in Nederland." in page
    assert "Als de klas verdeeld is" in page
    assert 'action="/runs/"' in page
    assert "3 HAVO B" in page


def test_the_module_page_is_printable_without_navigation(teacher):
    page = teacher.client.get("/lessons/jihad").text
    assert 'class="panel start-run no-print"' in page
    response = teacher.client.get("/static/css/app.css")
    css = response.text
    response.close()
    print_rules = css.split("@media print")[1]
    assert ".site-header" in print_rules and ".start-run" in print_rules
    assert "display: none" in print_rules


def test_an_unknown_module_is_a_404(teacher):
    assert teacher.client.get("/lessons/no-such-module").status_code == 404


def answer_for(question_type, options):
    return {"single": "0", "multiple": ["0", "1"], "scale": "3", "text": "Een antwoord"}[
        question_type
    ]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("slug", SLUGS)
def test_every_module_can_be_run_and_every_poll_answered(app, teacher, student, slug, language):
    from conftest import run_info

    from classroom.extensions import db
    from classroom.polls.models import Question

    run_id = teacher.start_run(teacher.class_id, module=slug, language=language)
    code, questions = run_info(app, run_id)
    phones = [student() for _ in range(5)]
    for phone in phones:
        assert phone.join(code).status_code == 302
    for question_id in questions:
        assert teacher.act(run_id, question_id, "open").status_code == 303
        with app.app_context():
            question = db.session.get(Question, question_id)
            kind, options = question.type, question.option_count
            wording = str(escape(question.text(language)["question"]))
        page = phones[0].page(code)
        assert wording in page.text
        for phone in phones:
            response = phone.answer(code, question_id, answer_for(kind, options))
            assert response.status_code == 303, (slug, question_id, response.text[:300])
        assert teacher.act(run_id, question_id, "reveal").status_code == 303
        presenter = teacher.client.get(f"/runs/{run_id}/present")
        assert presenter.status_code == 200
        if kind != "text":
            assert "%" in presenter.text.split(wording)[1]
    assert teacher.client.get(f"/runs/{run_id}").status_code == 200


def test_a_broken_module_is_left_out_of_the_library_but_the_rest_works(tmp_path, lessons_dir):
    import shutil

    shutil.copytree(REAL_LESSONS_DIR, tmp_path / "lessons")
    (tmp_path / "lessons" / "jihad" / "en.md").unlink()
    app = make_test_app(LESSONS_DIR=str(tmp_path / "lessons"))
    with app.app_context():
        from classroom.lessons.content import get_library

        library = get_library()
    assert "jihad" not in library.modules
    assert len(library.modules) == 8
