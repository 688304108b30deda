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


def test_a_countdown_shows_on_projector_and_teacher_screen_for_its_step_only(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    step_to(teacher, run_id, 1)
    assert "data-countdown=" not in present(teacher, run_id)
    response = teacher.client.post(f"/runs/{run_id}/countdown?from=present", data={"minutes": 3})
    assert response.status_code == 303
    assert response.location.endswith(f"/runs/{run_id}/present")
    page = present(teacher, run_id)
    assert 170 <= int(re.search(r'data-countdown="(\d+)"', page)[1]) <= 180
    assert re.search(r"data-countdown-text>(3:00|2:5\d)<", page)
    control = teacher.client.get(f"/runs/{run_id}").text
    assert re.search(r'data-countdown="\d+"', control)
    assert "Aftellen stoppen" in control
    step_to(teacher, run_id, 1)  # a countdown belongs to its step
    assert "data-countdown=" not in present(teacher, run_id)
    teacher.client.post(f"/runs/{run_id}/flow/previous")
    assert "data-countdown=" in present(teacher, run_id)
    teacher.client.post(f"/runs/{run_id}/countdown/stop")
    assert "data-countdown=" not in present(teacher, run_id)


def test_a_countdown_changes_the_version_that_the_screens_follow(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    before = teacher.client.get(f"/runs/{run_id}/state").json["version"]
    teacher.client.post(f"/runs/{run_id}/countdown", data={"minutes": 1})
    assert teacher.client.get(f"/runs/{run_id}/state").json["version"] != before


def test_a_countdown_of_a_length_not_offered_or_on_an_ended_lesson_is_refused(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    for minutes in ("7", "-1", "", "x"):
        response = teacher.client.post(f"/runs/{run_id}/countdown", data={"minutes": minutes})
        assert response.status_code == 400
    assert "data-countdown=" not in present(teacher, run_id)
    teacher.client.post(f"/runs/{run_id}/end")
    response = teacher.client.post(f"/runs/{run_id}/countdown", data={"minutes": 1})
    assert response.status_code == 409
    assert teacher.client.post(f"/runs/{run_id}/countdown/stop").status_code == 409


def test_the_countdown_runs_down_and_stops_at_zero(app, teacher):
    from datetime import timedelta

    from classroom.polls import countdown
    from classroom.timeutil import now_utc

    run_id = teacher.start_run(teacher.class_id)
    with app.app_context():
        run = db.session.get(Run, run_id)
        start = now_utc()
        countdown.start(run, 2, at=start)
        assert countdown.seconds_left(run, at=start) == 120
        assert countdown.seconds_left(run, at=start + timedelta(seconds=61)) == 59
        assert countdown.seconds_left(run, at=start + timedelta(minutes=5)) == 0
        countdown.stop(run)
        assert countdown.seconds_left(run, at=start) is None


def released_prompts(app, teacher, student, choices, sensitive=False):
    """Five phones answer the single-choice poll, the teacher releases: the prompts shown."""
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    colour = questions[1]
    if sensitive:
        with app.app_context():
            db.session.get(Run, run_id).questions[1].sensitive = True
            db.session.commit()
    teacher.act(run_id, colour, "open")
    for choice in choices:
        phone = student()
        phone.join(code)
        assert phone.answer(code, colour, str(choice)).status_code in (302, 303)
    assert teacher.act(run_id, colour, "release").status_code == 303
    page = teacher.client.get(f"/runs/{run_id}").text
    now = page[page.index('id="now-heading"') : page.index('class="questions"')]
    fit = re.search(r'<p class="prompt-fit">(.*?)</p>', now, re.S)
    others = re.search(r'<details class="other-prompts">(.*?)</details>', now, re.S)
    return (fit[1] if fit else None), (others[1] if others else now)


def test_the_prompt_that_fits_the_released_results_comes_first(app, teacher, student):
    fit, others = released_prompts(app, teacher, student, [0, 0, 0, 0, 0])
    assert "Vraag wie twijfelde." in fit  # unanimous
    assert "Vraag beide kanten." in others and "Zeg dat elke stem telt." in others
    assert "Vraag wie twijfelde." not in others


def test_one_answer_apart_gets_the_alone_prompt(app, teacher, student):
    fit, _others = released_prompts(app, teacher, student, [2, 2, 2, 2, 0])
    assert "Zeg dat elke stem telt." in fit


def test_a_divided_class_gets_the_split_prompt(app, teacher, student):
    fit, _others = released_prompts(app, teacher, student, [0, 0, 1, 1, 2])
    assert "Vraag beide kanten." in fit


def test_a_sensitive_poll_never_offers_the_alone_prompt(app, teacher, student):
    fit, others = released_prompts(app, teacher, student, [2, 2, 2, 2, 0], sensitive=True)
    assert "Zeg dat elke stem telt." not in (fit or "") + others


def test_before_a_release_all_prompts_are_shown_alike(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    step_to(teacher, run_id, 3)  # rules, phase, home-pre, colour: open, nothing released
    page = teacher.client.get(f"/runs/{run_id}").text
    assert "prompt-fit" not in page
    assert "Vraag beide kanten." in page and "Zeg dat elke stem telt." in page


def test_the_compact_screen_follows_the_projector_and_steps_it(app, teacher, student):
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    page = teacher.client.get(f"/runs/{run_id}/companion").text
    assert "Gespreksregels" in page
    assert f'action="/runs/{run_id}/flow/next?from=companion"' in page
    response = teacher.client.post(f"/runs/{run_id}/flow/next?from=companion")
    assert response.location.endswith(f"/runs/{run_id}/companion")
    teacher.client.post(f"/runs/{run_id}/flow/next?from=companion")  # the first question opens
    for choice in (3, 3, 3, 3, 3):
        phone = student()
        phone.join(code)
        phone.answer(code, questions[0], str(choice))
    page = teacher.client.get(f"/runs/{run_id}/companion").text
    assert "Ik voel me thuis in deze klas." in page
    assert re.search(r"data-answer-count>5<", page)
    release = f"/runs/{run_id}/questions/{questions[0]}/release?from=companion"
    assert f'action="{release}"' in page
    assert teacher.client.post(release).location.endswith(f"/runs/{run_id}/companion")
    page = teacher.client.get(f"/runs/{run_id}/companion").text
    assert "Vraag wie twijfelde." in re.search(r'class="prompt-fit">(.*?)</p>', page, re.S)[1]


def own_question(teacher, run_id, **data):
    return teacher.client.post(f"/runs/{run_id}/questions", data=data)


def test_an_own_question_can_have_a_right_answer_and_a_real_figure(app, teacher):
    from classroom.polls.models import Question

    run_id = teacher.start_run(teacher.class_id)
    response = own_question(
        teacher, run_id, type="single", question="Hoofdstad?", options="Rome\nParijs", correct="2"
    )
    assert response.status_code == 303
    response = own_question(
        teacher, run_id, type="estimate", question="Hoeveel?", minimum="0", maximum="50",
        answer="12",
    )  # fmt: skip
    assert response.status_code == 303
    with app.app_context():
        single, estimate = db.session.scalars(
            db.select(Question).where(Question.added_by_teacher).order_by(Question.position)
        )
        assert single.correct == 1
        assert estimate.text("nl")["answer"] == 12


def test_a_wrong_right_answer_or_figure_is_refused_next_to_its_field(app, teacher):
    from classroom.polls.models import Question

    run_id = teacher.start_run(teacher.class_id)
    response = own_question(
        teacher, run_id, type="single", question="Hoofdstad?", options="Rome\nParijs", correct="3"
    )
    assert response.status_code == 400
    assert re.search(r'id="correct-error">[^<]*1[^<]*2', response.text)
    response = own_question(
        teacher, run_id, type="estimate", question="Hoeveel?", minimum="0", maximum="50",
        answer="51",
    )  # fmt: skip
    assert response.status_code == 400
    assert 'id="answer-error"' in response.text
    with app.app_context():
        assert db.session.scalar(db.select(Question).where(Question.added_by_teacher)) is None


def test_the_own_question_form_marks_which_kind_each_field_is_for(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    page = teacher.client.get(f"/runs/{run_id}").text
    groups = dict(re.findall(r'data-for-types="([a-z ]+)">.*?name="(\w+)"', page, re.S))
    assert groups == {
        "single multiple ranking": "options",
        "single multiple": "correct",
        "scale": "low",
        "estimate": "minimum",
    }
