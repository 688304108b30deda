"""The lesson library, module pages and the `flask lessons` commands on the real modules."""

import pytest
from conftest import REAL_LESSONS_DIR, SAMPLE_LESSONS_DIR, make_test_app
from markupsafe import escape

from classroom.lessons.checks import module_folders
from classroom.lessons.rules import handout_count, pack_paths

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
    assert "9 module(s) checked, no problems" in result.output


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


def slips_of(page):
    return page.split('class="handout slips"')[1]


@pytest.mark.parametrize("lessons_dir", [SAMPLE_LESSONS_DIR])
def test_the_pack_shows_the_handouts_and_an_anonymous_slip_per_phase(teacher, lessons_dir):
    response = teacher.client.get("/lessons/sample/pack/nl")
    assert response.status_code == 200
    page = response.text
    assert 'lang="nl"' in page
    assert page.count('class="handout prose"') == 2
    assert "<h2>Rolkaart A</h2>" in page and "<strong>hoe laat de bus gaat</strong>" in page
    assert "<h2>Brief aan ouders</h2>" in page
    slips = slips_of(page)
    assert slips.count('class="slip"') == 2
    assert "Antwoordbriefje · Voorgesprek" in slips and "Antwoordbriefje · Nagesprek" in slips
    assert "Vouw het dubbel en doe het in de doos." in slips
    assert "Ik voel me thuis in deze klas." in slips and "Rood" in slips
    assert "1 = Helemaal oneens, 5 = Helemaal eens" in slips
    assert "Mijn schatting:" in slips and "tussen 0 en 100" in slips
    assert "Zet ze op volgorde: 1 voor wat jij het belangrijkst vindt" in slips
    assert "<input" not in slips and "Naam:" not in slips


@pytest.mark.parametrize("lessons_dir", [SAMPLE_LESSONS_DIR])
def test_the_pack_is_in_its_own_language_and_linked_from_the_module_page(teacher, lessons_dir):
    module_page = teacher.client.get("/lessons/sample").text
    assert 'href="/lessons/sample/pack/nl"' in module_page
    assert 'href="/lessons/sample/pack/en"' in module_page
    english = teacher.client.get("/lessons/sample/pack/en").text
    assert 'lang="en"' in english
    assert "<h2>Role card A</h2>" in english
    assert "Answer slip · Before" in slips_of(english)
    assert "Fold it and put it in the box." in english
    # The teacher's own interface language is untouched by printing an English pack.
    assert 'lang="nl"' in teacher.client.get("/lessons/sample").text


@pytest.mark.parametrize("lessons_dir", [SAMPLE_LESSONS_DIR])
def test_an_unknown_pack_is_a_404(teacher, lessons_dir):
    assert teacher.client.get("/lessons/nothing/pack/nl").status_code == 404
    assert teacher.client.get("/lessons/sample/pack/de").status_code == 404


def test_the_pack_prints_on_a4_with_a_page_per_handout(client):
    response = client.get("/static/css/pack.css")
    css = response.text
    response.close()
    assert "size: A4" in css
    print_rules = css.split("@media print")[1]
    assert "break-before: page" in print_rules and "#000" in print_rules


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("slug", SLUGS)
def test_every_module_has_a_printable_pack_page(teacher, slug, language):
    response = teacher.client.get(f"/lessons/{slug}/pack/{language}")
    assert response.status_code == 200
    assert f'lang="{language}"' in response.text
    assert 'class="slip"' in response.text
    pack = pack_paths(REAL_LESSONS_DIR / slug).get(language)
    expected = handout_count(pack.read_text(encoding="utf-8")) if pack else 0
    assert response.text.count('class="handout prose"') == expected


SENSITIVE = {
    "jihad": {"home-pre", "home-post"},
    "belonging": {"home-pre", "home-post", "at-home"},
    "good-conversation": {"voice-pre", "listen-pre", "stops", "voice-post", "listen-post"},
    "doing-together": {"team-pre", "team-post"},
    "polarisation": {"role-pre", "role-post"},
}


def test_polls_on_wellbeing_and_safety_are_sensitive_in_both_languages(app):
    from classroom.lessons.content import get_library

    with app.app_context():
        library = get_library()
    for slug, module in library.modules.items():
        for language, text in module.texts.items():
            marked = {poll.key for poll in text.polls if poll.sensitive}
            assert marked == SENSITIVE.get(slug, set()), (slug, language)
            for poll in text.polls:
                if poll.sensitive:
                    assert poll.discuss.alone is None
                    assert poll.discuss.split and poll.discuss.unanimous


def test_the_module_page_labels_sensitive_polls_and_offers_no_alone_prompt(teacher):
    page = teacher.client.get("/lessons/belonging").text
    assert page.count("gevoelig: wijs nooit één leerling aan") == 3
    card = page.split('id="poll-home-pre"')[1].split("</aside>")[0]
    assert "Als de klas verdeeld is" in card
    assert "Als één antwoord apart staat" not in card
    other = page.split('id="poll-common-pre"')[1].split("</aside>")[0]
    assert "Als één antwoord apart staat" in other
    assert "Waar voel jij je het meest thuis?" in page and "Nederlander" not in page
