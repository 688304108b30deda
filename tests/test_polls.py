"""The teacher's side of a run: start, present, open/close/reveal, end."""

import re

from conftest import Staff, run_info

from classroom.extensions import db
from classroom.polls.models import Question, Run
from classroom.polls.services import JOIN_CODE_ALPHABET


def statuses(app, run_id):
    with app.app_context():
        run = db.session.get(Run, run_id)
        return [(q.status, q.revealed) for q in run.questions]


def test_starting_a_run_gives_a_join_code_link_and_qr(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    code, _questions = run_info(app, run_id)
    assert re.fullmatch(f"[{JOIN_CODE_ALPHABET}]{{9}}", code)
    page = teacher.client.get(f"/runs/{run_id}/present")
    assert page.status_code == 200
    assert f"{code[:3]} {code[3:6]} {code[6:]}" in page.text
    assert f"klas.test/j/{code}" in re.sub(r"<[^>]+>", "", page.text)
    assert f'src="/runs/{run_id}/qr.svg"' in page.text
    qr = teacher.client.get(f"/runs/{run_id}/qr.svg")
    assert qr.mimetype == "image/svg+xml"
    assert qr.data.startswith(b"<svg")


def test_the_module_questions_are_copied_into_the_run_in_both_languages(app, teacher):
    run_id = teacher.start_run(teacher.class_id)
    with app.app_context():
        run = db.session.get(Run, run_id)
        assert [q.key for q in run.questions] == [
            "home-pre",
            "colour",
            "weekend",
            "word",
            "home-post",
            "priorities",
            "haters",
        ]
        types = [q.type for q in run.questions]
        assert types == ["scale", "single", "multiple", "text", "scale", "ranking", "estimate"]
        colour = run.questions[1]
        assert colour.content["nl"]["options"] == ["Rood", "Groen", "Blauw"]
        assert colour.content["en"]["options"] == ["Red", "Green", "Blue"]
        assert colour.correct == 1
        assert run.questions[4].compare_to == "home-pre"
        assert all(q.status == "ready" for q in run.questions)


def test_results_stay_readable_after_the_module_changes(app, teacher, tmp_path, lessons_dir):
    run_id = teacher.start_run(teacher.class_id)
    app.extensions.pop("lesson_library")
    app.config["LESSONS_DIR"] = str(tmp_path)  # the module is gone
    page = teacher.client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    assert "Ik voel me thuis in deze klas." in page.text


def test_a_teacher_can_start_a_run_only_for_their_own_active_class(app, teacher, make_class):
    other_class = make_class(teacher.user["school_id"], [], name="4 VWO A")
    archived = make_class(
        teacher.user["school_id"], [teacher.user["id"]], name="Old", archived=True
    )
    for class_id in (other_class, archived):
        response = teacher.client.post(
            "/runs/", data={"module": "sample", "school_class": class_id, "language": "nl"}
        )
        assert response.status_code == 303
        assert "/lessons/sample" in response.location
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Run)) == 0


def test_an_unknown_module_cannot_be_started(app, teacher):
    form = {"school_class": teacher.class_id, "language": "nl", "class_size": 25}
    response = teacher.client.post("/runs/", data={**form, "module": "nope"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Run)) == 0
    assert "Je hebt nog geen les gegeven." in teacher.client.get("/").text
    # The same form with a module that exists starts it: only the module was wrong.
    assert teacher.client.post("/runs/", data={**form, "module": "sample"}).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Run)) == 1


def test_another_teacher_cannot_see_or_control_the_run(app, live_run, make_user):
    _teacher, run_id, _code, questions = live_run
    other = Staff(app.test_client(), make_user("teacher"))
    other.login()
    for url in ("", "/present", "/state", "/qr.svg"):
        assert other.client.get(f"/runs/{run_id}{url}").status_code == 404
    assert other.act(run_id, questions[0], "open").status_code == 404
    assert other.client.post(f"/runs/{run_id}/end").status_code == 404
    assert statuses(app, run_id)[0] == ("ready", False)


def test_anonymous_visitors_are_sent_to_login(app, live_run):
    _teacher, run_id, _code, _questions = live_run
    response = app.test_client().get(f"/runs/{run_id}/present")
    assert response.status_code == 302
    assert "/auth/login" in response.location


def test_one_poll_is_open_at_a_time(app, live_run):
    teacher, run_id, _code, questions = live_run
    assert teacher.act(run_id, questions[0], "open").status_code == 303
    assert teacher.act(run_id, questions[1], "open").status_code == 303
    assert statuses(app, run_id)[:3] == [("closed", False), ("open", False), ("ready", False)]


def test_close_reveal_and_reopen(app, live_run):
    teacher, run_id, _code, questions = live_run
    teacher.act(run_id, questions[0], "open")
    teacher.act(run_id, questions[0], "close")
    assert statuses(app, run_id)[0] == ("closed", False)
    teacher.act(run_id, questions[0], "reveal")
    assert statuses(app, run_id)[0] == ("closed", True)
    teacher.act(run_id, questions[0], "open")
    assert statuses(app, run_id)[0] == ("open", False)


def test_revealing_an_open_poll_closes_it(app, live_run):
    teacher, run_id, _code, questions = live_run
    teacher.act(run_id, questions[1], "open")
    teacher.act(run_id, questions[1], "reveal")
    assert statuses(app, run_id)[1] == ("closed", True)


def test_an_unknown_action_or_question_is_a_404_and_changes_nothing(app, live_run):
    teacher, run_id, _code, questions = live_run
    assert teacher.act(run_id, questions[0], "explode").status_code == 404
    assert teacher.act(run_id, 999_999, "open").status_code == 404
    assert teacher.client.get(f"/runs/{run_id}/questions/{questions[0]}/open").status_code == 405
    assert all(status == ("ready", False) for status in statuses(app, run_id))


def test_the_projector_steps_through_rules_phases_and_questions(app, live_run):
    teacher, run_id, _code, _questions = live_run
    page = teacher.client.get(f"/runs/{run_id}/present").text
    assert "We luisteren naar elkaar." in page  # the ground rules come first
    response = teacher.client.post(f"/runs/{run_id}/flow/next?from=present")
    assert response.location.endswith(f"/runs/{run_id}/present")
    assert "Voorgesprek" in teacher.client.get(f"/runs/{run_id}/present").text
    teacher.client.post(f"/runs/{run_id}/flow/next")
    assert statuses(app, run_id)[0] == ("open", False)  # arriving opens the question
    assert "Ik voel me thuis in deze klas." in teacher.client.get(f"/runs/{run_id}/present").text
    teacher.client.post(f"/runs/{run_id}/flow/next")
    assert statuses(app, run_id)[:2] == [("closed", False), ("open", False)]
    teacher.client.post(f"/runs/{run_id}/flow/previous")
    assert statuses(app, run_id)[:2] == [("closed", False), ("closed", False)]
    assert "Ik voel me thuis in deze klas." in teacher.client.get(f"/runs/{run_id}/present").text


def test_the_state_endpoint_answers_304_until_something_changes(app, live_run):
    teacher, run_id, _code, questions = live_run
    first = teacher.client.get(f"/runs/{run_id}/state")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = teacher.client.get(f"/runs/{run_id}/state", headers={"If-None-Match": etag})
    assert again.status_code == 304
    teacher.act(run_id, questions[0], "open")
    changed = teacher.client.get(f"/runs/{run_id}/state", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json["version"] > first.json["version"]


def test_ending_a_run_closes_its_polls_and_stops_its_code(app, live_run, student):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[0], "open")
    assert teacher.client.post(f"/runs/{run_id}/end").status_code == 303
    assert statuses(app, run_id)[0] == ("closed", False)
    response = student().join(code)
    assert response.status_code == 410
    assert "Deze les is afgelopen. De code werkt niet meer." in response.text
    assert teacher.act(run_id, questions[1], "open").status_code == 409
    with app.app_context():
        assert db.session.get(Question, questions[1]).status == "ready"


def test_my_lessons_and_the_dashboard_list_only_my_runs(app, live_run, make_user, make_class):
    teacher, _run_id, code, _questions = live_run
    code = f"{code[:3]} {code[3:6]} {code[6:]}"  # as the pages show it
    assert code in teacher.client.get("/runs/").text
    assert code in teacher.client.get("/").text
    other_user = make_user("teacher", school_id=teacher.user["school_id"])
    other = Staff(app.test_client(), other_user)
    other.login()
    other.class_id = make_class(other_user["school_id"], [other_user["id"]], name="1A")
    other.start_run(other.class_id)
    assert code not in other.client.get("/runs/").text
    assert code not in other.client.get("/").text


def test_restoring_a_skipped_question_leaves_the_projector_on_the_open_question(app, live_run):
    teacher, run_id, _code, questions = live_run
    teacher.act(run_id, questions[0], "skip")  # the first question, before it is reached
    teacher.client.post(f"/runs/{run_id}/flow/next")  # the pre-discussion phase
    teacher.client.post(f"/runs/{run_id}/flow/next")  # the second question opens
    assert statuses(app, run_id)[1] == ("open", False)
    shown = teacher.client.get(f"/runs/{run_id}/present").text
    assert "Welke kleur vind je mooi?" in shown
    teacher.act(run_id, questions[0], "restore")
    after = teacher.client.get(f"/runs/{run_id}/present").text
    assert "Welke kleur vind je mooi?" in after
    assert "Ik voel me thuis in deze klas." not in after
    assert statuses(app, run_id)[:2] == [("ready", False), ("open", False)]
    # Next goes on from the open question, closing it, and not back to the restored one.
    teacher.client.post(f"/runs/{run_id}/flow/next")
    assert statuses(app, run_id)[:2] == [("ready", False), ("closed", False)]


def test_two_concurrent_changes_both_bump_the_version(app, live_run):
    _teacher, run_id, _code, _questions = live_run
    with app.app_context():
        start = db.session.get(Run, run_id).version
        first = db.session.get(Run, run_id)  # one request has read the run ...
        with app.app_context():  # ... another request reads it too, changes and commits
            other = db.session.get(Run, run_id)
            other.touch()
            db.session.commit()
        first.touch()
        db.session.commit()
        assert db.session.get(Run, run_id).version == start + 2
