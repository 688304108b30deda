"""The operator's page and CLI, and the programme lead's pages, report and CSV.

Releases are written as `releases.refresh_programme_release` stores them (the lessons behind
them are the subject of test_programme_results); a refresh leaves them as they are, since no
school here gives a lesson.
"""

import csv
import io
import itertools
import re
from datetime import timedelta

import pytest
from conftest import Staff, rendered_form

from classroom.accounts.models import User
from classroom.extensions import db
from classroom.mail import wait_for_mails
from classroom.programmes.models import (
    Municipality,
    Programme,
    ProgrammeRelease,
    ProgrammeSchool,
)
from classroom.timeutil import now_utc

LINK = re.compile(r"http://klas\.test(/auth/reset/[A-Za-z0-9_-]+)")
NEW_PASSWORD = "een lang wachtwoord voor de gemeente"
TODAY = now_utc().date()


def outbox(app) -> list:
    wait_for_mails()
    return getattr(app.extensions["mailman"], "outbox", [])


@pytest.fixture
def operator(make_staff):
    return make_staff("operator")


@pytest.fixture
def lead(make_staff):
    return make_staff("lead")


@pytest.fixture
def schools(make_school):
    """Three schools to invite, and one on the server that the programme never invites."""
    return {name: make_school(name) for name in ("Erasmus", "Grotius", "Hugo", "Geheim College")}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def make_programme(app, municipality_id, school_ids, statuses=None, name="Jihad in Delft", k=30):
    """A programme of the sample module with the schools invited (or in the given statuses)."""
    from classroom.catalogue.store import keep_version
    from classroom.lessons.content import get_library

    with app.app_context():
        module = get_library().get("sample")
        programme = Programme(
            municipality_id=municipality_id, name=name, module_slug="sample",
            module_version=keep_version(module, None),
            titles={language: text.title for language, text in module.texts.items()},
            starts_on=TODAY - timedelta(days=10), ends_on=TODAY + timedelta(days=60),
            min_answers=k,
        )  # fmt: skip
        statuses = statuses or ["accepted"] * len(school_ids)
        programme.schools = [
            ProgrammeSchool(school_id=school_id, status=status)
            for school_id, status in zip(school_ids, statuses, strict=True)
        ]
        db.session.add(programme)
        db.session.commit()
        return programme.id


def entry(lessons):
    """A release entry as releases.py stores it: lessons are (school, class, counts)."""
    runs = {
        str(number): {"school": school, "class": klass, "total": sum(cells), "counts": cells}
        for number, (school, klass, cells) in enumerate(lessons, start=1)
    }
    return {
        "total": sum(run["total"] for run in runs.values()),
        "counts": [sum(cells) for cells in zip(*(r["counts"] for r in runs.values()), strict=True)],
        "schools": sorted({run["school"] for run in runs.values()}),
        "runs": runs,
    }


def release(app, programme_id, school_ids):
    """A release: a scale pair over six classes of three schools; a choice with a small cell."""
    a, b, c = school_ids
    pre = [(a, 1, [5, 5, 6, 5, 4]), (a, 2, [6, 4, 5, 5, 4]), (b, 3, [4, 6, 6, 4, 5]),
           (b, 4, [5, 5, 7, 4, 3]), (c, 5, [6, 5, 5, 5, 4]), (c, 6, [5, 4, 6, 6, 4])]  # fmt: skip
    post = [(a, 1, [2, 3, 6, 8, 6]), (a, 2, [3, 3, 5, 7, 6]), (b, 3, [2, 4, 6, 7, 5]),
            (b, 4, [2, 3, 7, 8, 5]), (c, 5, [3, 2, 6, 8, 7]), (c, 6, [2, 3, 6, 7, 6])]  # fmt: skip
    colour = [(a, 1, [20, 15, 2]), (b, 3, [18, 14, 1]), (c, 5, [16, 12, 2])]
    weekend = [(a, 1, [20, 15, 12, 10]), (b, 3, [18, 14, 10, 11]), (c, 5, [16, 12, 10, 10])]
    questions = {"home-pre": entry(pre), "home-post": entry(post), "colour": entry(colour),
                 "weekend": entry(weekend)}  # fmt: skip
    with app.app_context():
        db.session.add(ProgrammeRelease(programme_id=programme_id, number=3, questions=questions))
        db.session.commit()


# The operator -------------------------------------------------------------------------------


def test_the_operator_adds_a_municipality_and_a_lead_who_alone_gets_the_link(app, operator):
    page = operator.client.get("/operator")
    assert page.status_code == 200
    fields = rendered_form(page.text, "/operator/municipalities")
    fields["municipality-name"] = "  Gemeente   Delft "
    added = operator.client.post("/operator/municipalities", data=fields)
    assert added.status_code == 303
    with app.app_context():
        delft = db.session.scalar(
            db.select(Municipality).where(Municipality.name == "Gemeente Delft")
        )
        delft_id = delft.id
    page = operator.client.get("/operator").text
    assert "Gemeente Delft" in page
    action = f"/operator/municipalities/{delft_id}/leads"
    fields = rendered_form(page, action)
    fields.update({f"lead-{delft_id}-name": "Fatima Amrani",
                   f"lead-{delft_id}-email": "F.Amrani@Delft.nl"})  # fmt: skip
    made = operator.client.post(action, data=fields)
    assert made.status_code == 303
    shown = operator.client.get("/operator").text
    assert "Fatima Amrani" in shown and "f.amrani@delft.nl" in shown

    mails = outbox(app)
    assert [mail.to for mail in mails] == [["f.amrani@delft.nl"]]
    assert "Gemeente Delft" in mails[0].body
    link = LINK.search(mails[0].body)[1]
    assert link not in made.text and link not in shown  # the operator never sees it
    with app.app_context():
        lead = db.session.scalar(db.select(User).where(User.email == "f.amrani@delft.nl"))
        assert (lead.role, lead.municipality_id, lead.school_id) == ("lead", delft_id, None)

    browser = app.test_client()
    assert (
        browser.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 303
    )
    login = browser.post(
        "/auth/login", data={"email": "f.amrani@delft.nl", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert browser.get("/", follow_redirects=True).request.path == "/programmes/"


def test_the_operator_gets_clear_messages_for_duplicates_and_bad_input(app, operator, make_user):
    operator.client.post("/operator/municipalities", data={"municipality-name": "Delft"})
    again = operator.client.post("/operator/municipalities", data={"municipality-name": " delft"})
    assert again.status_code == 409
    assert "Er is al een gemeente met deze naam." in again.text
    empty = operator.client.post("/operator/municipalities", data={"municipality-name": "  "})
    assert empty.status_code == 400
    assert count(app, Municipality) == 1

    with app.app_context():
        delft_id = db.session.scalar(db.select(Municipality.id))
    teacher = make_user("teacher", email="bezet@school.nl")
    action = f"/operator/municipalities/{delft_id}/leads"
    taken = operator.client.post(
        action, data={f"lead-{delft_id}-name": "X", f"lead-{delft_id}-email": teacher["email"]}
    )
    assert taken.status_code == 409
    assert "Er is al een account met dit e-mailadres." in taken.text
    bad = operator.client.post(
        action, data={f"lead-{delft_id}-name": "X", f"lead-{delft_id}-email": "geen adres"}
    )
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.text
    nowhere = operator.client.post(
        "/operator/municipalities/999999/leads", data={"lead-999999-name": "X"}
    )
    assert nowhere.status_code == 404
    assert outbox(app) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).where(User.role == "lead")) == 0


def test_the_forms_need_their_csrf_token(app, operator, csrf_on):
    refused = operator.client.post("/operator/municipalities", data={"municipality-name": "Delft"})
    assert refused.status_code == 400
    assert count(app, Municipality) == 0
    page = operator.client.get("/operator").text
    fields = rendered_form(page, "/operator/municipalities")
    fields["municipality-name"] = "Delft"
    assert operator.client.post("/operator/municipalities", data=fields).status_code == 303


def test_the_commands_add_municipalities_leads_and_operators(app, runner):
    assert runner.invoke(args=["programmes", "add-municipality", "Gemeente Delft"]).exit_code == 0
    twice = runner.invoke(args=["programmes", "add-municipality", "gemeente delft"])
    assert twice.exit_code != 0 and "already" in twice.output
    lead = ["programmes", "add-lead", "--municipality", "Gemeente Delft",
            "--email", "lead@delft.test", "--name", "Lead"]  # fmt: skip
    made = runner.invoke(args=lead, input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert made.exit_code == 0, made.output
    again = runner.invoke(args=lead, env={"KLASGESPREK_PASSWORD": NEW_PASSWORD})
    assert again.exit_code != 0 and "already exists" in again.output
    nowhere = runner.invoke(
        args=["programmes", "add-lead", "--municipality", "Rijswijk", "--email", "x@r.test",
              "--name", "X", "--password", NEW_PASSWORD]
    )  # fmt: skip
    assert nowhere.exit_code != 0 and "add-municipality" in nowhere.output
    weak = runner.invoke(
        args=["programmes", "add-operator", "--email", "op@x.test", "--name", "Op",
              "--password", "short"]
    )  # fmt: skip
    assert weak.exit_code != 0
    operator = runner.invoke(
        args=["programmes", "add-operator", "--email", "op@x.test", "--name", "Op"],
        env={"KLASGESPREK_PASSWORD": NEW_PASSWORD},
    )
    assert operator.exit_code == 0, operator.output
    with app.app_context():
        roles = dict(db.session.execute(db.select(User.email, User.role)).all())
        assert roles == {"lead@delft.test": "lead", "op@x.test": "operator"}
    browser = app.test_client()
    browser.post("/auth/login", data={"email": "op@x.test", "password": NEW_PASSWORD})
    assert browser.get("/").location.endswith("/operator")


# The lead ------------------------------------------------------------------------------------


def test_a_lead_creates_a_programme_from_the_form_as_rendered(app, lead, schools):
    page = lead.client.get("/programmes/new")
    assert page.status_code == 200
    fields = rendered_form(page.text, "/programmes/new")
    assert fields["min_answers"] == "50"
    fields.update(
        name="Jihad 2026/27, gemeente Delft", module="sample",
        starts_on=TODAY.isoformat(), ends_on=(TODAY + timedelta(days=90)).isoformat(),
    )  # fmt: skip
    chosen = [schools["Erasmus"], schools["Grotius"], schools["Hugo"]]
    made = lead.client.post("/programmes/new", data={**fields, "schools": chosen})
    assert made.status_code == 303, made.text
    with app.app_context():
        from classroom.catalogue.models import ModuleVersion

        programme = db.session.scalar(db.select(Programme))
        assert programme.municipality_id == lead.user["municipality_id"]
        assert (programme.module_slug, programme.min_answers) == ("sample", 50)
        assert db.session.get(ModuleVersion, programme.module_version).school_id is None
        assert programme.titles["nl"] == "Voorbeeldles"
        invited = {(s.school_id, s.status) for s in programme.schools}
        assert invited == {(school_id, "invited") for school_id in chosen}
        programme_id = programme.id
    assert made.location.endswith(f"/programmes/{programme_id}")
    listing = lead.client.get("/programmes/").text
    assert "Jihad 2026/27, gemeente Delft" in listing and "0 van 3" in listing


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Dit veld is vereist."),
        ({"module": "geen-module"}, None),
        ({"ends_on": TODAY.isoformat()}, "De einddatum moet na de startdatum liggen."),
        ({"starts_on": (TODAY - timedelta(days=30)).isoformat(),
          "ends_on": (TODAY - timedelta(days=2)).isoformat()}, "De einddatum ligt in het verleden"),
        ({"min_answers": "29"}, "Kies een getal van 30 tot en met 10000."),
        ({"min_answers": "veel"}, None),
        ({"schools": []}, "Kies minstens één school."),
        ({"schools": [999999]}, None),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_message_and_creates_nothing(
    app, lead, schools, change, message
):
    data = {
        "name": "Programma", "module": "sample", "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=30)).isoformat(), "min_answers": "50",
        "schools": [schools["Erasmus"]],
    }  # fmt: skip
    refused = lead.client.post("/programmes/new", data={**data, **change})
    assert refused.status_code == 400
    if message:
        assert message in refused.text
    assert count(app, Programme) == 0 and count(app, ProgrammeSchool) == 0


def test_a_second_programme_of_the_same_name_is_refused(app, lead, schools):
    make_programme(app, lead.user["municipality_id"], [schools["Erasmus"]], name="Jihad")
    data = {
        "name": "jihad", "module": "sample", "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=30)).isoformat(), "min_answers": "50",
        "schools": [schools["Erasmus"]],
    }  # fmt: skip
    refused = lead.client.post("/programmes/new", data=data)
    assert refused.status_code == 400
    assert count(app, Programme) == 1


def test_the_lead_invites_more_schools_on_a_page_of_its_own(app, lead, schools):
    programme_id = make_programme(app, lead.user["municipality_id"], [schools["Erasmus"]])
    page = lead.client.get(f"/programmes/{programme_id}/invite").text
    assert "Grotius" in page and "Erasmus" not in page.split("<form")[1]
    invited = lead.client.post(
        f"/programmes/{programme_id}/invite", data={"schools": [schools["Grotius"]]}
    )
    assert invited.status_code == 303
    again = lead.client.post(
        f"/programmes/{programme_id}/invite", data={"schools": [schools["Grotius"]]}
    )
    assert again.status_code == 400  # no longer offered
    with app.app_context():
        rows = db.session.scalars(db.select(ProgrammeSchool).order_by(ProgrammeSchool.school_id))
        assert [(row.school_id, row.status) for row in rows] == [
            (schools["Erasmus"], "accepted"), (schools["Grotius"], "invited"),
        ]  # fmt: skip


def lead_urls(programme_id):
    return [
        ("get", f"/programmes/{programme_id}"),
        ("get", f"/programmes/{programme_id}/invite"),
        ("post", f"/programmes/{programme_id}/invite"),
        ("get", f"/programmes/{programme_id}/report"),
        ("get", f"/programmes/{programme_id}/results.csv"),
        ("post", f"/programmes/{programme_id}/follow-up"),
    ]


def test_a_lead_of_another_municipality_gets_404_on_every_programme_url(
    app, lead, make_user, schools
):
    programme_id = make_programme(app, lead.user["municipality_id"], [schools["Erasmus"]])
    other = Staff(app.test_client(), make_user("lead"))
    other.login()
    for method, url in lead_urls(programme_id) + lead_urls(999999):
        assert getattr(other.client, method)(url).status_code == 404, url
    assert "Jihad in Delft" not in other.client.get("/programmes/").text


def test_teachers_and_coordinators_get_403_and_nobody_gets_in_without_login(
    app, lead, schools, teacher, coordinator, operator, client
):
    programme_id = make_programme(app, lead.user["municipality_id"], [schools["Erasmus"]])
    urls = [("get", "/programmes/"), ("get", "/programmes/new"), ("post", "/programmes/new"),
            *lead_urls(programme_id)]  # fmt: skip
    for staff in (teacher, coordinator, operator):
        for method, url in urls:
            assert getattr(staff.client, method)(url).status_code == 403, url
    for staff in (teacher, coordinator, lead):
        assert staff.client.get("/operator").status_code == 403
        assert staff.client.post("/operator/municipalities").status_code == 403
    assert client.get(f"/programmes/{programme_id}").status_code == 302


def test_the_lead_sees_participation_and_nothing_of_a_school_outside(app, lead, schools):
    ids = [schools["Erasmus"], schools["Grotius"], schools["Hugo"]]
    programme_id = make_programme(
        app, lead.user["municipality_id"], ids, statuses=["accepted", "declined", "invited"]
    )
    base = f"/programmes/{programme_id}"
    page = lead.client.get(base).text
    for name in ("Erasmus", "Grotius", "Hugo"):
        assert name in page
    assert "doet mee" in page and "afgeslagen" in page and "uitgenodigd" in page
    for url in (base, f"{base}/report", f"{base}/results.csv"):
        assert "Geheim College" not in lead.client.get(url).text, url


def test_the_page_report_and_csv_show_the_same_released_figures(app, lead, schools):
    ids = [schools["Erasmus"], schools["Grotius"], schools["Hugo"]]
    programme_id = make_programme(app, lead.user["municipality_id"], ids)
    release(app, programme_id, ids)
    base = f"/programmes/{programme_id}"
    page = lead.client.get(base).text
    report = lead.client.get(f"{base}/report")
    exported = lead.client.get(f"{base}/results.csv")
    assert report.status_code == exported.status_code == 200

    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    header, rows = rows[0], rows[1:]
    column = {name: i for i, name in enumerate(header)}
    assert header[0] == "vrijgave" and "niet getoond omdat" in header
    assert {row[column["vrijgave"]] for row in rows} == {"3"}
    shifts = [row for row in rows if row[column["onderdeel"]] == "verschuiving"]
    assert len(shifts) == 3  # the three groups of the scale pair
    for row in shifts:
        low, high = row[column["interval van (95%)"]], row[column["interval tot (95%)"]]
        between = f"tussen {_signed(low)} en {_signed(high)} procentpunt"
        before = f"<td>{row[column['voor (%)']]}%</td>"
        for html in (page, report.text):
            assert between in html and before in html
    weekend = [row for row in rows if row[column["peiling"]] == "weekend"]
    assert [row[column["aantal"]] for row in weekend] == ["54", "41", "32", "31"]
    for html in (page, report.text):
        assert all(f"<td>{number}</td>" in html for number in (54, 41, 32, 31))
    # One small group hides it and every group it could be worked out from.
    colour = [row for row in rows if row[column["peiling"]] == "colour"]
    assert [row[column["aantal"]] for row in colour] == ["", "", ""]
    assert all(row[-1].startswith("een groep van minder dan 30") for row in colour)
    assert "Een groep van minder dan 30 antwoorden wordt niet getoond" in page
    assert "word" not in {row[column["peiling"]] for row in rows}  # never open text


def _signed(text: str) -> str:
    """The CSV's -4 as the page writes it: with a real minus sign; a + before a positive."""
    number = int(text)
    return "0" if number == 0 else ("+" if number > 0 else "\u2212") + str(abs(number))


def test_the_caveats_and_the_report_in_both_languages(app, lead, schools):
    ids = [schools["Erasmus"], schools["Grotius"], schools["Hugo"]]
    programme_id = make_programme(app, lead.user["municipality_id"], ids)
    release(app, programme_id, ids)
    base = f"/programmes/{programme_id}"
    dutch = lead.client.get(base).text
    assert "niet per leerling gekoppeld" in dutch
    assert "geen bewijs" in dutch and "klassen" in dutch
    lead.client.post("/language", data={"language": "en"})
    for url in ("/programmes/", "/programmes/new", base, f"{base}/invite", f"{base}/report"):
        response = lead.client.get(url)
        assert response.status_code == 200, url
        assert 'lang="en"' in response.text
    english = lead.client.get(base).text
    assert "not linked per student" in english
    assert "not proof" in english and "not independent" in english
    assert "percentage points" in english
    report = lead.client.get(f"{base}/report").text
    assert "css/pack.css" in report  # the A4 page
    assert 'aria-label="Hoofdmenu"' not in report and "Main menu" not in report
    assert "Gemeente" in report  # the municipality's name
    exported = lead.client.get(f"{base}/results.csv")
    assert exported.mimetype == "text/csv"
    assert "attachment;" in exported.headers["Content-Disposition"]
    assert exported.text.lstrip("\ufeff").startswith("release,released on,poll,question")


def test_before_the_first_release_nothing_is_shown_but_why(app, lead, schools):
    ids = [schools["Erasmus"], schools["Grotius"], schools["Hugo"]]
    programme_id = make_programme(app, lead.user["municipality_id"], ids)
    page = lead.client.get(f"/programmes/{programme_id}").text
    assert "Nog geen cijfers vrijgegeven." in page
    assert "procentpunt" not in page
    exported = lead.client.get(f"/programmes/{programme_id}/results.csv").text
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";"))[1:]
    assert {row[2] for row in rows} == {
        "colour",
        "weekend",
        "home-pre",
        "home-post",
        "home-pre → home-post",
    }
    assert all(row[6] == row[7] == "" for row in rows)
    assert all(row[-1].startswith("nog niet vrijgegeven") for row in rows)


def test_the_headings_go_in_order(app, lead, schools):
    ids = [schools["Erasmus"], schools["Grotius"], schools["Hugo"]]
    programme_id = make_programme(app, lead.user["municipality_id"], ids)
    release(app, programme_id, ids)
    for url in (f"/programmes/{programme_id}", f"/programmes/{programme_id}/report"):
        levels = [int(level) for level in re.findall(r"<h([1-6])", lead.client.get(url).text)]
        assert levels[0] == 1
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), (url, levels)


def test_the_pages_of_a_lead_load_in_a_fixed_number_of_queries(app, lead, make_school):
    from conftest import counted

    municipality_id = lead.user["municipality_id"]

    def queries():
        with counted(app) as statements:
            assert lead.client.get("/programmes/").status_code == 200
        return len(statements)

    make_programme(app, municipality_id, [make_school("A")])
    few = queries()
    for number in range(4):
        make_programme(app, municipality_id, [make_school(f"S{number}")], name=f"P{number}")
    assert queries() == few


def test_the_operator_page_loads_in_a_fixed_number_of_queries(app, operator, make_user):
    from conftest import counted

    def queries():
        with counted(app) as statements:
            assert operator.client.get("/operator").status_code == 200
        return len(statements)

    make_user("lead")
    few = queries()
    for _number in range(4):
        make_user("lead")
    assert queries() == few


def test_the_operator_deactivates_a_lead_who_left_and_can_undo_it(app, operator, lead, teacher):
    lead_id = lead.user["id"]
    page = operator.client.get("/operator").text
    assert f"/operator/leads/{lead_id}/deactivate" in page
    assert operator.client.post(f"/operator/leads/{lead_id}/deactivate").status_code == 303
    # The lead's session ends at once, and a login is refused.
    assert "/auth/login" in lead.client.get("/programmes/").location
    assert lead.login().status_code == 401
    page = operator.client.get("/operator").text
    assert f"/operator/leads/{lead_id}/activate" in page
    assert operator.client.post(f"/operator/leads/{lead_id}/activate").status_code == 303
    assert lead.login().status_code == 302
    # Only leads: a teacher's account is none of the operator's page's business.
    refused = operator.client.post(f"/operator/leads/{teacher.user['id']}/deactivate")
    assert refused.status_code == 404
    with app.app_context():
        assert db.session.get(User, teacher.user["id"]).active
