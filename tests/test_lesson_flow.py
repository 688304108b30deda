"""A lesson as it is given: phones that never drop out, two sessions days apart, support."""

from datetime import timedelta

from conftest import run_info

from classroom.extensions import db
from classroom.polls import flow, services
from classroom.polls.models import Run
from classroom.timeutil import as_utc, now_utc

# Question order in the sample module: scale, single (correct: 1), multiple, text, scale (post).
SCALE, SINGLE, MULTIPLE, TEXT, SCALE_POST = range(5)


def joined(student, code):
    phone = student()
    assert phone.join(code).status_code == 302
    return phone


def load_run(app, run_id):
    with app.app_context():
        run = db.session.get(Run, run_id)
        db.session.expunge(run)
        return run


def live_url_of(page) -> str:
    """The address the page's script follows and puts into the address bar."""
    marker = 'data-live-url="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


# --- Students never drop out ------------------------------------------------------------


def test_an_invalid_answer_page_follows_the_live_page_not_the_post_address(live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[MULTIPLE], "open")
    response = phone.answer(code, questions[MULTIPLE], None)  # an empty multiple choice
    assert response.status_code == 400
    assert live_url_of(response.text) == f"/live/{code}"
    assert "data-live-region" in response.text
    # The teacher moves on; what the script fetches is the live page, not a 405.
    teacher.act(run_id, questions[MULTIPLE], "close")
    assert phone.client.get(live_url_of(response.text)).status_code == 200


def test_an_estimate_out_of_range_keeps_the_phone_in_the_lesson(app, teacher, student, tmp_path):
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    phone = joined(student, code)
    teacher.act(run_id, questions[SINGLE], "open")
    response = phone.answer(code, questions[SINGLE], "9")
    assert response.status_code == 400
    assert live_url_of(response.text) == f"/live/{code}"


def test_an_answer_to_a_closed_poll_stays_on_the_live_page(live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[SINGLE], "open")
    teacher.act(run_id, questions[SINGLE], "close")
    response = phone.answer(code, questions[SINGLE], "1")
    assert response.status_code == 409
    assert "Deze peiling is gesloten. Je antwoord is niet opgeslagen." in response.text
    assert live_url_of(response.text) == f"/live/{code}"


def test_the_teacher_screen_after_an_invalid_own_question_follows_the_control_page(live_run):
    teacher, run_id, _code, _questions = live_run
    response = teacher.client.post(
        f"/runs/{run_id}/questions", data={"type": "single", "question": "", "options": ""}
    )
    assert response.status_code == 400
    assert live_url_of(response.text) == f"/runs/{run_id}"


def test_a_ranking_starts_valid_so_sending_it_unchanged_is_stored(app, teacher, student):
    run_id = teacher.start_run(teacher.class_id)
    teacher.client.post(
        f"/runs/{run_id}/questions",
        data={"type": "ranking", "question": "Volgorde?", "options": "X\nY\nZ"},
    )
    code, questions = run_info(app, run_id)
    teacher.act(run_id, questions[-1], "open")
    phone = joined(student, code)
    page = phone.page(code).text
    # Each place is chosen once as the page is rendered: post exactly what it offers.
    for index, place in enumerate(("1", "2", "3")):
        select = page[page.index(f'name="place_{index}"') :]
        select = select[: select.index("</select>")]
        assert f'selected value="{place}"' in select or f'value="{place}" selected' in select
    data = {"place_0": "1", "place_1": "2", "place_2": "3"}
    response = phone.client.post(f"/live/{code}/questions/{questions[-1]}", data=data)
    assert response.status_code == 303


def test_the_student_sees_on_their_own_phone_whether_their_choice_was_right(app, teacher, student):
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    teacher.act(run_id, questions[SINGLE], "open")
    right, wrong, silent = joined(student, code), joined(student, code), joined(student, code)
    right.answer(code, questions[SINGLE], "1")
    wrong.answer(code, questions[SINGLE], "2")
    for _ in range(4):
        joined(student, code).answer(code, questions[SINGLE], "0")
    teacher.act(run_id, questions[SINGLE], "reveal")
    assert "Je antwoord was goed." in right.page(code).text
    assert "Je antwoord was niet het goede." in wrong.page(code).text
    silent_page = silent.page(code).text
    assert "Je antwoord was goed." not in silent_page
    assert "Je antwoord was niet het goede." not in silent_page
    # The projector shows no one's verdict.
    projector = teacher.client.get(f"/runs/{run_id}/present").text
    assert "Je antwoord was" not in projector


def test_no_verdict_before_the_results_are_released(live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[SINGLE], "open")
    phone.answer(code, questions[SINGLE], "1")
    teacher.act(run_id, questions[SINGLE], "reveal")  # one answer: below k, nothing released
    assert "Je antwoord was goed." not in phone.page(code).text


# --- Two sessions, days apart -------------------------------------------------------------


def test_pause_stops_joins_and_answers_and_phones_see_you_next_lesson(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[SCALE], "open")
    response = teacher.client.post(f"/runs/{run_id}/pause")
    assert response.status_code == 303
    run = load_run(app, run_id)
    assert run.is_paused and not run.is_open and not run.is_ended
    days = app.config["RUN_PAUSED_MAX_DAYS"]
    assert abs(as_utc(run.expires_at) - (as_utc(run.paused_at) + timedelta(days=days))) < timedelta(
        seconds=5
    )
    # The open poll closed; the joined phone stays on its live page.
    page = phone.page(code)
    assert page.status_code == 200
    assert "Tot de volgende les" in page.text
    assert phone.client.get(f"/live/{code}/state").status_code == 200
    answer = phone.answer(code, questions[SCALE], "3")
    assert answer.status_code in (409, 423)
    assert live_url_of(answer.text) == f"/live/{code}"
    # A new phone is told clearly; the join form too.
    newcomer = student()
    refused = newcomer.join(code)
    assert refused.status_code == 423
    assert "gepauzeerd" in refused.text
    typed = student().client.post("/join", data={"code": code})
    assert typed.status_code == 423
    assert "gepauzeerd" in typed.text
    # The teacher cannot step on, and sees "Resume" on the dashboard and the run list.
    assert teacher.client.post(f"/runs/{run_id}/flow/next").status_code == 409
    for address in ("/", "/runs/"):
        listing = teacher.client.get(address).text
        assert f"/runs/{run_id}/resume" in listing
    assert "Gepauzeerd tot de volgende les" in teacher.client.get(f"/runs/{run_id}").text


def test_resume_restarts_the_time_limit_and_the_same_code_works(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.client.post(f"/runs/{run_id}/pause")
    response = teacher.client.post(f"/runs/{run_id}/resume")
    assert response.status_code == 303
    run = load_run(app, run_id)
    assert run.is_open and run.paused_at is None
    hours = app.config["RUN_MAX_HOURS"]
    assert abs(as_utc(run.expires_at) - (now_utc() + timedelta(hours=hours))) < timedelta(seconds=5)
    phone = joined(student, code)
    teacher.act(run_id, questions[SCALE], "open")
    assert phone.answer(code, questions[SCALE], "3").status_code == 303
    # Resuming twice is refused, changing nothing.
    assert teacher.client.post(f"/runs/{run_id}/resume").status_code == 409


def test_a_paused_run_ends_by_itself_after_the_limit(app, live_run, student):
    teacher, run_id, code, _questions = live_run
    teacher.client.post(f"/runs/{run_id}/pause")
    with app.app_context():
        assert services.end_expired_runs() == 0  # paused, not past its limit
        run = db.session.get(Run, run_id)
        run.expires_at = now_utc() - timedelta(seconds=1)
        db.session.commit()
        assert not run.is_paused and not run.is_open and run.is_ended
        assert services.end_expired_runs() == 1
        assert db.session.get(Run, run_id).ended_at is not None
    assert student().join(code).status_code == 410
    assert teacher.client.post(f"/runs/{run_id}/resume").status_code == 409


def test_the_comparison_spans_both_sessions(app, teacher, student):
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    teacher.act(run_id, questions[SCALE], "open")
    for value in ("1", "2", "2", "1", "2"):
        joined(student, code).answer(code, questions[SCALE], value)
    teacher.act(run_id, questions[SCALE], "reveal")
    teacher.client.post(f"/runs/{run_id}/pause")
    teacher.client.post(f"/runs/{run_id}/resume")
    teacher.act(run_id, questions[SCALE_POST], "open")
    for value in ("4", "5", "4", "5", "4"):  # new devices in session two
        joined(student, code).answer(code, questions[SCALE_POST], value)
    teacher.act(run_id, questions[SCALE_POST], "reveal")
    summary = teacher.client.get(f"/runs/{run_id}/summary").text
    assert 'class="table comparison"' in summary
    assert "+2,8" in summary  # the average moved from 1.6 to 4.4, in Dutch numbers


def test_ending_and_deleting_ask_first_and_ending_offers_a_pause(app, live_run):
    teacher, run_id, _code, _questions = live_run
    detail = teacher.client.get(f"/runs/{run_id}").text
    # Links to a confirmation page, not a one-click POST form.
    assert f'href="/runs/{run_id}/end"' in detail
    assert f'action="/runs/{run_id}/end"' not in detail
    assert f'href="/runs/{run_id}/delete"' in detail
    assert f'action="/runs/{run_id}/delete"' not in detail
    confirm = teacher.client.get(f"/runs/{run_id}/end").text
    assert f'action="/runs/{run_id}/end"' in confirm
    assert f'action="/runs/{run_id}/pause"' in confirm  # the post-discussion is still ahead
    assert f'action="/runs/{run_id}/delete"' in teacher.client.get(f"/runs/{run_id}/delete").text
    assert load_run(app, run_id).is_open  # asking changed nothing


def test_ending_offers_the_pause_in_the_last_phase_too(app, live_run):
    # At the bell a teacher may stop anywhere: the pause is never taken away.
    teacher, run_id, _code, _questions = live_run
    for _ in range(8):
        teacher.client.post(f"/runs/{run_id}/flow/next", data={"go_on": "1"})
    with app.app_context():
        assert flow.current_step(db.session.get(Run, run_id)).phase == "post"
    confirm = teacher.client.get(f"/runs/{run_id}/end").text
    assert f'action="/runs/{run_id}/pause"' in confirm
    assert f'action="/runs/{run_id}/end"' in confirm


def test_a_paused_run_can_be_ended(app, live_run):
    teacher, run_id, _code, _questions = live_run
    teacher.client.post(f"/runs/{run_id}/pause")
    assert teacher.client.post(f"/runs/{run_id}/end").status_code == 303
    assert load_run(app, run_id).is_ended


# --- The support message helps on a phone -------------------------------------------------


def test_support_has_tel_links_the_school_contact_and_stays_as_a_link(app, live_run, student):
    teacher, run_id, code, _questions = live_run
    phone = joined(student, code)
    with app.app_context():
        run = db.session.get(Run, run_id)
        run.school.support_text = "Mevrouw Jansen, vertrouwenspersoon, kamer 12"
        db.session.commit()
    assert "Hulp nodig?" not in phone.page(code).text
    teacher.client.post(f"/runs/{run_id}/support/show")
    page = phone.page(code).text
    assert 'href="tel:08000432"' in page
    assert 'href="tel:113"' in page
    assert 'href="https://www.113.nl"' in page
    assert "Mevrouw Jansen, vertrouwenspersoon, kamer 12" in page
    teacher.client.post(f"/runs/{run_id}/support/hide")
    page = phone.page(code).text
    assert 'href="tel:08000432"' not in page
    assert f'href="/live/{code}/help"' in page
    assert "Hulp nodig?" in page
    help_page = phone.client.get(f"/live/{code}/help")
    assert help_page.status_code == 200
    assert "Mevrouw Jansen, vertrouwenspersoon, kamer 12" in help_page.text
    assert 'href="tel:08002000"' in help_page.text


def test_the_projector_of_a_paused_run_shows_where_the_class_stopped(app, live_run):
    teacher, run_id, _code, _questions = live_run
    teacher.client.post(f"/runs/{run_id}/flow/next")
    teacher.client.post(f"/runs/{run_id}/flow/next")  # the first phase: Voorgesprek
    teacher.client.post(f"/runs/{run_id}/pause")
    projector = teacher.client.get(f"/runs/{run_id}/present").text
    assert "Tot de volgende les" in projector
    assert "Voorgesprek" in projector
    detail = teacher.client.get(f"/runs/{run_id}").text
    assert "De klas is gestopt bij stap" in detail


def test_a_coordinator_without_classes_is_told_where_to_link_them(app, make_user):
    from conftest import Staff

    coordinator = Staff(app.test_client(), make_user("coordinator"))
    coordinator.login()
    page = coordinator.client.get("/").text
    assert "Je coördinator koppelt" not in page
    assert "Koppel jezelf als docent aan een klas" in page
    assert 'href="/school/classes"' in page


def test_the_ranking_page_loads_its_script_and_keeps_the_dropdowns_for_no_javascript(
    app, teacher, student
):
    run_id = teacher.start_run(teacher.class_id)
    code, questions = run_info(app, run_id)
    teacher.act(run_id, questions[-2], "open")  # the sample's ranking question
    page = joined(student, code).page(code).text
    assert "/static/js/ranking.js" in page
    assert 'data-up-label="{item} omhoog"' in page
    assert page.count('class="rank-select"') == 3


def test_the_start_form_defaults_to_a_class_in_the_module_years(app, teacher, make_class):
    # The sample module is for the lower years; the teacher's first class is 3 HAVO B.
    upper = make_class(teacher.user["school_id"], [teacher.user["id"]], name="1A VWO", year=5)
    assert upper
    page = teacher.client.get("/lessons/sample").text
    start = page.index('id="school_class"')
    select = page[start : page.index("</select>", start)]
    chosen = select[select.index("selected") - 60 : select.index("selected") + 40]
    assert "3 HAVO B" in chosen
