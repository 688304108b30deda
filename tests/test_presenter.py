"""The projector: join column then corner strip, lobby count, phase projector texts."""

import re

from conftest import run_info

from classroom.extensions import db
from classroom.lessons.content import get_library
from classroom.polls import flow
from classroom.polls.models import Run


def present(teacher, run_id):
    return teacher.client.get(f"/runs/{run_id}/present").text


def step_to(teacher, run_id, times):
    for _ in range(times):
        teacher.client.post(f"/runs/{run_id}/flow/next?from=present")


def phase_step(run, key):
    return next(i for i, s in enumerate(flow.steps(run)) if s.kind == "phase" and s.phase == key)


def test_a_phase_projector_text_is_parsed_in_both_languages(app):
    with app.app_context():
        module = get_library().get("sample")
        nl, en = module.text("nl"), module.text("en")
    assert nl.phases[0].projector is None
    assert "**let op wie er niet bij hoort**" in nl.phases[1].projector
    assert "Viewing task" in en.phases[1].projector


def test_the_run_copies_the_projector_text_and_the_phase_screen_shows_it(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    with app.app_context():
        run = db.session.get(Run, run_id)
        copied = {p["key"]: p["projector"] for p in run.phases["nl"]}
        assert copied["pre"] is None
        assert copied["post"].startswith("Kijkopdracht")
        assert run.phases["en"][1]["projector"].startswith("Viewing task")
        post_step = phase_step(run, "post")
    step_to(teacher, run_id, 1)
    assert "phase-text" not in present(teacher, run_id)  # the pre phase has no text
    step_to(teacher, run_id, post_step - 1)
    page = present(teacher, run_id)
    assert "Nagesprek" in page
    # Trusted lesson Markdown, rendered.
    assert "<strong>let op wie er niet bij hoort</strong>" in page
    assert "<li>Discriminatie</li>" in page


def test_a_changed_module_does_not_change_the_text_of_a_running_lesson(app, teacher, lessons_dir):
    run_id = teacher.start_run(teacher.class_id)
    with app.app_context():
        run = db.session.get(Run, run_id)
        run.phases["nl"][1]["projector"] = "Alleen **deze** tekst"
        db.session.execute(db.update(Run).where(Run.id == run_id).values(phases=dict(run.phases)))
        db.session.commit()
        post_step = phase_step(run, "post")
    step_to(teacher, run_id, post_step)
    page = present(teacher, run_id)
    assert "Alleen <strong>deze</strong> tekst" in page
    assert "Kijkopdracht" not in page


def test_the_join_column_is_big_in_the_lobby_and_a_corner_strip_after(app, teacher, student):
    run_id = teacher.start_run(teacher.class_id)
    code, _questions = run_info(app, run_id)
    for _ in range(3):
        assert student().join(code).status_code in (302, 303)
    lobby = present(teacher, run_id)
    assert 'class="present-grid joining"' in lobby
    assert 'class="qr"' in lobby
    count = re.search(r'lobby-count">(.*?)</p>', lobby, re.S)[1]
    assert re.sub(r"<[^>]+>", "", count).split()[0] == "3"
    # The code stays whole in the short link: the only break point is before it.
    assert f'<wbr><span class="nowrap">{code}</span>' in lobby
    step_to(teacher, run_id, 2)  # rules, phase, first question
    page = present(teacher, run_id)
    assert "joining" not in page
    assert 'class="qr"' not in page
    strip = re.search(r'<section class="join-strip".*?</section>', page, re.S)[0]
    assert code in strip
    assert f'<span class="nowrap">{code}</span>' in strip
    teacher.client.post(f"/runs/{run_id}/flow/previous?from=present")
    teacher.client.post(f"/runs/{run_id}/flow/previous?from=present")
    assert 'class="qr"' in present(teacher, run_id)  # back before the first question


def test_an_ended_lesson_shows_no_join_code(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    code, _questions = run_info(app, run_id)
    teacher.client.post(f"/runs/{run_id}/end")
    page = present(teacher, run_id)
    assert code not in page
    assert "join-strip" not in page
