"""The school's settings page: bounds, the audit list, what teachers read, isolation."""

import html
import re

import pytest
from conftest import Staff
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from test_xss import PAYLOADS, assert_escaped

from classroom.accounts.models import School
from classroom.coordination.models import SettingChange
from classroom.coordination.settings import SETTINGS
from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.models import Question

TEXT = 3  # the open question of the sample module
INPUT = re.compile(r"<input\b([^>]*)>")
TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.S)
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')


def rendered_form(page: str) -> dict[str, str]:
    """The fields of the settings form as the page offers them, with their values."""
    form = page[page.index('action="/school/settings"') :]
    form = form[: form.index("</form>")]
    fields = {}
    for attributes in INPUT.findall(form):
        attrs = dict(ATTRIBUTE.findall(attributes))
        fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    for attributes, content in TEXTAREA.findall(form):
        name = dict(ATTRIBUTE.findall(attributes))["name"]
        fields[name] = html.unescape(content).removeprefix("\r\n").removeprefix("\n")
    return fields


@pytest.fixture
def school(coordinator):
    """The id of the coordinator's school."""
    return coordinator.user["school_id"]


def settings_of(app, school_id):
    with app.app_context():
        school = db.session.get(School, school_id)
        return (
            school.min_answers,
            school.school_min_answers,
            school.retention_days,
            school.support_text,
            school.flag_words,
        )


def changes_of(app, school_id):
    with app.app_context():
        query = db.select(SettingChange).where(SettingChange.school_id == school_id)
        return [
            (c.setting, c.old_value, c.new_value, c.user_name)
            for c in db.session.scalars(query.order_by(SettingChange.id))
        ]


def save(coordinator, **changes):
    fields = rendered_form(coordinator.client.get("/school/settings").text)
    assert set(changes) <= set(fields), "post only what the page offers"
    return coordinator.client.post("/school/settings", data={**fields, **changes})


def test_the_form_shows_the_current_settings_in_dutch(coordinator):
    page = coordinator.client.get("/school/settings").text
    assert "Schoolinstellingen" in page
    assert "alleen voor nieuwe lessen" in page  # lowering k: new lessons only
    fields = rendered_form(page)
    assert {k: v for k, v in fields.items() if k not in ("csrf_token",)} == {
        "last_change": "0",
        "min_answers": "5",
        "school_min_answers": "10",
        "retention_days": "30",
        "support_text": "",
        "flag_words": "",
    }


def test_a_saved_change_is_logged_with_who_old_and_new(app, coordinator, school):
    response = save(
        coordinator,
        min_answers="7",
        retention_days="14",
        support_text="  Mevrouw Jansen, kamer 12 (zorgcoördinator)\r\n",
        flag_words="verraders\n\n  kakkerlak \nVerraders\n",
    )
    assert response.status_code == 303
    assert settings_of(app, school) == (
        7, 10, 14, "Mevrouw Jansen, kamer 12 (zorgcoördinator)", "verraders\nkakkerlak",
    )  # fmt: skip
    assert changes_of(app, school) == [
        ("min_answers", "5", "7", "Test coordinator"),
        ("retention_days", "30", "14", "Test coordinator"),
        ("support_text", None, "Mevrouw Jansen, kamer 12 (zorgcoördinator)", "Test coordinator"),
        ("flag_words", None, "verraders\nkakkerlak", "Test coordinator"),
    ]
    page = coordinator.client.get("/school/settings").text
    assert "De instellingen zijn opgeslagen." in page
    log = page[page.index('id="changes-heading"') :]
    assert "Test coordinator" in log
    assert "Mevrouw Jansen, kamer 12 (zorgcoördinator)" in log
    assert "verraders<br>kakkerlak" in log
    assert rendered_form(page)["last_change"] == str(len(changes_of(app, school)))


def test_saving_the_same_values_logs_nothing(app, coordinator, school):
    response = save(coordinator)
    assert response.status_code == 303
    assert changes_of(app, school) == []
    assert "Er is niets gewijzigd." in coordinator.client.get("/school/settings").text


BAD = [
    ("min_answers", "2"),
    ("min_answers", "51"),
    ("min_answers", ""),
    ("min_answers", "vijf"),
    ("school_min_answers", "9"),
    ("school_min_answers", "501"),
    ("retention_days", "0"),
    ("retention_days", "366"),
    ("retention_days", "-5"),
    ("support_text", "x" * 1001),
    ("flag_words", "\n".join(f"woord{i}" for i in range(201))),
    ("flag_words", "goed\n" + "x" * 41),
    ("flag_words", "goed\nx"),
    ("support_text", "kamer\x0012"),
    ("flag_words", "goed\nbel\x07"),
]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_value_out_of_bounds_is_refused_and_nothing_changes(
    app, coordinator, school, name, value
):
    before = settings_of(app, school)
    # A valid change in the same form must not slip through either.
    other = "retention_days" if name != "retention_days" else "min_answers"
    response = save(coordinator, **{other: "20", name: value})
    assert response.status_code == 400
    if "\x00" in value:  # refused for the whole app before any form reads it
        assert "Het formulier bevatte een teken dat niet is toegestaan." in response.text
    else:
        assert f'id="{name}-error"' in response.text
        assert 'aria-invalid="true"' in response.text
    assert settings_of(app, school) == before
    assert changes_of(app, school) == []


GOOD = [
    ("min_answers", "3", 3),
    ("min_answers", "50", 50),
    ("school_min_answers", "10", 10),
    ("school_min_answers", "500", 500),
    ("retention_days", "1", 1),
    ("retention_days", "365", 365),
    ("support_text", "y" * 1000, "y" * 1000),
    ("flag_words", "\n".join(f"woord{i}" for i in range(200)), None),
    ("flag_words", "ab\n" + "x" * 40, "ab\n" + "x" * 40),
]


@pytest.mark.parametrize(("name", "value", "stored"), GOOD)
def test_a_value_on_the_bounds_is_saved(app, coordinator, school, name, value, stored):
    with app.app_context():
        db.session.get(School, school).school_min_answers = 20  # so that 10 is a change
        db.session.commit()
    assert save(coordinator, **{name: value}).status_code == 303
    with app.app_context():
        saved = getattr(db.session.get(School, school), name)
    assert saved == (value if stored is None else stored)
    assert [c[0] for c in changes_of(app, school)] == [name]


def test_the_bounds_message_says_what_is_allowed(coordinator):
    response = save(coordinator, min_answers="2")
    assert "Kies een getal van 3 tot en met 50." in response.text
    response = save(coordinator, flag_words="x")
    assert "Elk woord heeft 2 tot en met 40 tekens." in response.text


def test_a_form_opened_before_someone_elses_change_is_not_saved(app, coordinator, school):
    stale = rendered_form(coordinator.client.get("/school/settings").text)
    assert save(coordinator, min_answers="8").status_code == 303
    response = coordinator.client.post("/school/settings", data={**stale, "retention_days": "9"})
    assert response.status_code == 409
    assert "Iemand anders heeft de instellingen gewijzigd" in response.text
    assert settings_of(app, school)[:3] == (8, 10, 30)
    # The page now knows the latest change: saving again goes through.
    again = rendered_form(response.text)
    assert coordinator.client.post("/school/settings", data=again).status_code == 303
    assert settings_of(app, school)[:3] == (5, 10, 9)  # the coordinator's form said 5


def test_a_teacher_reads_the_settings_and_the_changes_but_cannot_save(
    app, coordinator, school, make_user
):
    save(coordinator, min_answers="6", flag_words="kakkerlak")
    teacher = Staff(app.test_client(), make_user("teacher", school_id=school))
    teacher.login()
    home = teacher.client.get("/").text
    assert 'href="/school/settings"' in home
    page = teacher.client.get("/school/settings").text
    assert "vanaf 6 antwoorden" in page
    assert "kakkerlak" in page
    assert "Test coordinator" in page
    assert "<form" not in page.split("<main", 1)[1].split("</main>")[0]
    assert 'href="/school/classes"' not in page  # no coordinator menu
    response = teacher.client.post(
        "/school/settings", data={**rendered_form(coordinator.client.get("/school/settings").text),
                                  "min_answers": "3"},
    )  # fmt: skip
    assert response.status_code == 403
    assert settings_of(app, school)[0] == 6
    assert teacher.client.get("/school/").status_code == 403


def test_another_school_sees_and_changes_only_its_own(app, coordinator, school, make_user):
    save(coordinator, min_answers="9", support_text="Meneer de Vries, lokaal 4")
    other = make_user("coordinator")
    foreign = Staff(app.test_client(), other)
    foreign.login()
    foreign_teacher = Staff(app.test_client(), make_user("teacher", school_id=other["school_id"]))
    foreign_teacher.login()
    for visitor in (foreign, foreign_teacher):
        page = visitor.client.get("/school/settings").text
        assert "Meneer de Vries" not in page
        assert "Test coordinator" not in page
        assert "Er zijn nog geen instellingen gewijzigd." in page
    assert save(foreign, min_answers="4").status_code == 303
    assert settings_of(app, school)[:1] == (9,)
    assert settings_of(app, other["school_id"])[:1] == (4,)
    assert [c[0] for c in changes_of(app, other["school_id"])] == ["min_answers"]
    assert "Meneer de Vries" in coordinator.client.get("/school/settings").text


def test_the_list_of_changes_is_paged(app, coordinator, school):
    with app.app_context():
        for number in range(55):
            db.session.add(
                SettingChange(
                    school_id=school,
                    user_name="Oud",
                    setting="retention_days",
                    old_value=str(number),
                    new_value=str(number + 1),
                )
            )
        db.session.commit()
    first = coordinator.client.get("/school/settings").text
    assert first.count("<td>Oud</td>") == 50
    assert "pagina 1 van 2" in first
    second = coordinator.client.get("/school/settings?page=2")
    assert second.text.count("<td>Oud</td>") == 5
    assert coordinator.client.get("/school/settings?page=3").status_code == 404


def test_the_app_uses_what_the_page_saved(app, live_run, student, make_user):
    teacher, run_id, code, questions = live_run
    school = teacher.user["school_id"]
    coordinator = Staff(app.test_client(), make_user("coordinator", school_id=school))
    coordinator.login()
    save(coordinator, flag_words="schoolwoord", support_text="Mevrouw Jansen, kamer 12")
    phones = [student() for _ in range(5)]
    teacher.act(run_id, questions[TEXT], "open")
    texts = ["een schoolwoord hier", "luisteren", "samen", "respect", "gezellig"]
    for phone, text in zip(phones, texts, strict=True):
        phone.join(code)
        assert phone.answer(code, questions[TEXT], text).status_code == 303
    with app.app_context():
        queue = answers.moderation_queue(db.session.get(Question, questions[TEXT]))
    assert {entry.text for entry in queue.answers if entry.flagged} == {"een schoolwoord hier"}
    phone = phones[0]
    teacher.client.post(f"/runs/{run_id}/support/show")
    page = phone.page(code).text
    assert "Mevrouw Jansen, kamer 12" in page
    assert "0800-0432" in page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_what_a_coordinator_types_is_escaped_everywhere(app, live_run, student, make_user, payload):
    teacher, run_id, code, _questions = live_run
    school = teacher.user["school_id"]
    coordinator = Staff(app.test_client(), make_user("coordinator", school_id=school))
    coordinator.login()
    assert save(coordinator, support_text=payload, flag_words=payload).status_code == 303
    assert settings_of(app, school)[3:] == (payload, payload)
    assert_escaped(coordinator.client.get("/school/settings").text, "the coordinator's page")
    assert_escaped(teacher.client.get("/school/settings").text, "the teacher's page")
    phone = student()
    phone.join(code)
    teacher.client.post(f"/runs/{run_id}/support/show")
    page = phone.page(code).text
    assert str(escape(payload)) in page
    assert_escaped(page, "the support message")


settings_values = st.one_of(
    st.text(max_size=1100),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "0", "3", "10", "365", "1e9", "NaN", "\x00", "ｑ", "🙂", "a\nb"]),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.dictionaries(st.sampled_from(SETTINGS), settings_values, max_size=5))
def test_any_form_data_gives_no_server_error_and_a_refusal_changes_nothing(
    app, coordinator, school, changes
):
    before = settings_of(app, school), changes_of(app, school)
    response = save(coordinator, **changes)
    assert response.status_code in (303, 400)
    if response.status_code == 400:
        assert (settings_of(app, school), changes_of(app, school)) == before
