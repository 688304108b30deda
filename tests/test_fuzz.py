"""Arbitrary form data never causes a server error, and a refused request stores nothing."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classroom.coordination.models import SchoolClass
from classroom.extensions import db
from classroom.polls.models import Question, Response

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
field_names = st.sampled_from(
    ["answer", "place_0", "place_1", "place_2", "code", "csrf_token", "type", "question",
     "options", "minimum", "maximum", "low", "high", "name", "level", "year", "teachers", "x"]
)  # fmt: skip
field_values = st.one_of(
    st.text(max_size=400),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "0", "1", "-1", "3", "9", "1e9", "NaN", "\x00", "ｑ", "🙂"]),
)
form_data = st.dictionaries(
    field_names, st.one_of(field_values, st.lists(field_values, max_size=4)), max_size=8
)


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(db.select(db.func.count()).select_from(Response)),
            db.session.scalar(db.select(db.func.count()).select_from(Question)),
            db.session.scalar(db.select(db.func.count()).select_from(SchoolClass)),
        )


@FUZZ
@given(data=form_data, index=st.integers(min_value=0, max_value=6))
def test_student_answers_survive_any_form_data(app, live_run, student, data, index):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[index], "open")
    # A new phone per example: the lesson lets in more than the examples.
    teacher.client.post(f"/runs/{run_id}/join-limit", data={"limit": "200"})
    phone = student()
    assert phone.join(code).status_code == 302
    before = counts(app)
    response = phone.client.post(f"/live/{code}/questions/{questions[index]}", data=data)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert counts(app) == before
    else:
        assert counts(app)[0] == before[0] + 1


@FUZZ
@given(data=form_data, code=st.text(max_size=30))
def test_joining_survives_any_form_data(app, client, data, code):
    assert client.post("/join", data={**data, "code": code}).status_code < 500
    assert client.get(f"/j/{code.replace('/', '')}x").status_code < 500


@FUZZ
@given(data=form_data)
def test_teacher_forms_survive_any_form_data(app, live_run, data):
    teacher, run_id, _code, _questions = live_run
    before = counts(app)
    response = teacher.client.post(f"/runs/{run_id}/questions", data=data)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert counts(app) == before
    start = teacher.client.post("/runs/", data=data)
    assert start.status_code < 500


@FUZZ
@given(data=form_data)
def test_coordinator_forms_survive_any_form_data(app, coordinator, data):
    before = counts(app)
    for url in ("/school/classes", "/school/assignments", "/school/teachers/invite"):
        response = coordinator.client.post(url, data=data)
        assert response.status_code < 500, url
        if response.status_code >= 400:
            assert counts(app) == before
