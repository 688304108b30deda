"""A programme lead brings the programme's module as a zip; the schools' teachers give it.

The zip is the sample module under a slug of its own, with raw HTML in its Markdown: the
municipality's text is never trusted, on the teacher's page, the lesson's pages or the pack.
"""

import io
import re
from datetime import timedelta

import pytest
from conftest import SAMPLE_LESSONS_DIR, rendered_form
from test_xss import assert_escaped

from classroom.accounts.models import School
from classroom.catalogue.models import ModuleVersion, OwnModule
from classroom.catalogue.store import (
    keep_version,
    module_of_version,
    municipality_digest,
    slug_taken,
)
from classroom.coordination.models import Assignment
from classroom.extensions import db
from classroom.lessons.archive import module_zip
from classroom.lessons.content import get_library
from classroom.polls.models import Run
from classroom.programmes.models import Programme, ProgrammeSchool
from classroom.timeutil import now_utc

SLUG = "gesprek-delft"
TITLE = "Gesprek in Delft"
PAYLOAD = '<script>alert("x")</script> <b>vet</b>'
TODAY = now_utc().date()


def sample_files() -> dict[str, str]:
    folder = SAMPLE_LESSONS_DIR / "sample"
    return {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()}


def programme_zip(slug: str = SLUG, change=None) -> bytes:
    """The sample module as a zip under `slug`, with raw HTML in its guide and pack."""
    files = sample_files()
    for name in ("nl.md", "en.md"):
        text = files[name].replace("slug: sample", f"slug: {slug}", 1)
        text = re.sub(r"(?m)^title: .*$", f"title: {TITLE}", text, count=1)
        # Into the first phase's guide: the teacher's screen shows it once the lesson starts.
        files[name] = re.sub(r"(?m)^(## .* \{#pre\})$", rf"\1\n\n{PAYLOAD}", text, count=1)
    files["pack.nl.md"] += f"\n\n{PAYLOAD}\n"
    if change is not None:
        change(files)
    return module_zip(slug, files)


@pytest.fixture
def lead(make_staff):
    return make_staff("lead")


@pytest.fixture
def other_schools(make_staff, make_class):
    """A teacher (with a class) of a school that declines, and one of a school not invited."""
    staff = {}
    for name in ("declined", "outside"):
        staff[name] = make_staff("teacher")
        staff[name].class_id = make_class(staff[name].user["school_id"], [staff[name].user["id"]])
    return staff


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def new_programme(lead, school_ids, archive, **changes):
    """Post the new-programme form as rendered, with a zip instead of a library module."""
    page = lead.client.get("/programmes/new")
    assert 'enctype="multipart/form-data"' in page.text
    fields = rendered_form(page.text, "/programmes/new")
    assert set(fields) >= {"module", "archive", "name", "starts_on", "ends_on"}
    fields.update(
        name="Gesprekken 2026/27, gemeente Delft", starts_on=TODAY.isoformat(),
        ends_on=(TODAY + timedelta(days=90)).isoformat(), schools=school_ids,
    )  # fmt: skip
    if archive is not None:
        fields["archive"] = (io.BytesIO(archive), "delft.zip")
    return lead.client.post("/programmes/new", data={**fields, **changes})


def plan(coordinator, programme_id, teacher):
    page = coordinator.client.get(f"/school/programmes/{programme_id}").text
    action = f"/school/programmes/{programme_id}/assign"
    fields = rendered_form(page, action)
    fields.update(
        school_class=teacher.class_id, teacher=teacher.user["id"],
        due_on=(TODAY + timedelta(days=7)).isoformat(),
    )  # fmt: skip
    assert coordinator.client.post(action, data=fields).status_code == 303


@pytest.fixture
def programme(app, lead, teacher, coordinator, other_schools):
    """A programme of the lead's zip: the teacher's school took part and planned it, another
    school declined. Returns (programme id, assignment id)."""
    declined = other_schools["declined"].user["school_id"]
    made = new_programme(lead, [teacher.user["school_id"], declined], programme_zip())
    assert made.status_code == 303, made.text
    programme_id = int(made.location.rsplit("/", 1)[1])
    with app.app_context():
        db.session.get(ProgrammeSchool, (programme_id, declined)).status = "declined"
        db.session.commit()
    accepted = coordinator.client.post(f"/school/programmes/{programme_id}/accept")
    assert accepted.status_code == 303
    plan(coordinator, programme_id, teacher)
    with app.app_context():
        assignment = db.session.scalar(db.select(Assignment))
        assert assignment.programme_id == programme_id
        return programme_id, assignment.id


def test_the_zip_is_kept_as_the_municipalitys_version_and_never_trusted(
    app, lead, teacher, programme
):
    programme_id, _assignment = programme
    with app.app_context():
        kept = db.session.get(Programme, programme_id)
        version = db.session.get(ModuleVersion, kept.module_version)
        assert (version.municipality_id, version.school_id) == (lead.user["municipality_id"], None)
        assert (kept.module_slug, version.slug) == (SLUG, SLUG)
        assert kept.titles == {"nl": TITLE, "en": TITLE} == version.titles
        assert version.digest == municipality_digest(
            lead.user["municipality_id"], SLUG, version.files
        )
        module = module_of_version(version.digest)
        assert module.trusted is False
        guide = str(module.text("nl").sections["pre"].html)
        assert "&lt;script&gt;" in guide and "<script" not in guide and "<b>" not in guide
        library = keep_version(get_library().get("sample"), None)
        assert library != version.digest


def test_a_teacher_prepares_starts_and_prints_the_programmes_own_module(app, teacher, programme):
    programme_id, assignment_id = programme
    page_url = f"/school/programmes/{programme_id}/module"
    dashboard = teacher.client.get("/").text
    link = f"{page_url}?assignment={assignment_id}&amp;class={teacher.class_id}"
    assert link in dashboard and TITLE in dashboard and "Voorbereiden en starten" in dashboard
    # Without an assignment, the teacher's planned lesson is chosen.
    chosen = teacher.client.get(page_url)
    assert chosen.status_code == 302 and chosen.location == link.replace("&amp;", "&")
    page = teacher.client.get(link.replace("&amp;", "&"))
    assert page.status_code == 200
    assert TITLE in page.text and "Gesprekken 2026/27" in page.text
    assert_escaped(page.text, "the programme module's page")
    assert "&lt;script&gt;" in page.text
    pack_link = f'href="{page_url}/pack/nl"'
    assert pack_link in page.text
    assert "/lessons/" + SLUG not in page.text and "/modules/" + SLUG not in page.text
    assert "/modules/copy" not in page.text  # a library page's copy button
    fields = rendered_form(page.text, "/runs/")
    assert fields["module"] == SLUG and fields["assignment"] == str(assignment_id)
    assert fields["school_class"] == str(teacher.class_id)
    started = teacher.client.post("/runs/", data={**fields, "class_size": "25"})
    assert started.status_code == 303, started.text
    run_id = int(re.search(r"/runs/(\d+)/present", started.location)[1])
    with app.app_context():
        run = db.session.get(Run, run_id)
        kept = db.session.get(Programme, programme_id)
        assert (run.module_version, run.programme_id) == (kept.module_version, programme_id)
        assert run.assignment_id == assignment_id and run.module_slug == SLUG
        # No copy of the version as the school's own.
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(ModuleVersion)
                .where(ModuleVersion.slug == SLUG)
            )
            == 1
        )
    shown = False
    for _step in range(4):
        teacher.client.post(f"/runs/{run_id}/flow/next")
        for url in (f"/runs/{run_id}", f"/runs/{run_id}/present", f"/runs/{run_id}/pack/nl"):
            response = teacher.client.get(url)
            assert response.status_code == 200, url
            assert_escaped(response.text, url)
            shown = shown or "&lt;script&gt;" in response.text
    assert shown  # the guide of the first phase, as text
    pack = teacher.client.get(f"{page_url}/pack/nl")
    assert pack.status_code == 200
    assert_escaped(pack.text, "the programme module's pack")
    assert "&lt;script&gt;" in pack.text and "Rolkaart A" in pack.text
    assert f'href="{page_url}"' in pack.text
    assert teacher.client.get(f"{page_url}/pack/en").status_code == 200


def test_the_start_form_returns_to_the_programme_page(app, teacher, programme, make_class):
    programme_id, assignment_id = programme
    no_size = make_class(teacher.user["school_id"], [teacher.user["id"]], name="2 B")
    data = {"module": SLUG, "assignment": assignment_id, "school_class": no_size,
            "language": "nl"}  # fmt: skip
    again = teacher.client.post("/runs/", data=data)
    assert again.status_code == 303
    assert again.location.startswith(f"/school/programmes/{programme_id}/module?")
    assert again.location.endswith("#start-heading")
    # Without the assignment the school has no module of this name.
    assert teacher.client.post("/runs/", data={**data, "assignment": ""}).status_code == 404
    assert count(app, Run) == 0


def test_the_programmes_version_wins_over_a_school_module_of_the_same_slug(app, teacher, programme):
    programme_id, assignment_id = programme
    with app.app_context():
        files = {
            name: text.replace("slug: sample", f"slug: {SLUG}", 1)
            for name, text in sample_files().items()
        }
        db.session.add(
            OwnModule(school_id=teacher.user["school_id"], author_id=teacher.user["id"],
                      slug=SLUG, files=files, shared_at=now_utc())
        )  # fmt: skip
        db.session.commit()
    data = {"module": SLUG, "school_class": teacher.class_id, "language": "nl",
            "class_size": 25}  # fmt: skip
    own_run = teacher.start_run(teacher.class_id, module=SLUG)
    programme_run = teacher.client.post("/runs/", data={**data, "assignment": assignment_id,
                                                        "second_lesson": "1"})  # fmt: skip
    assert programme_run.status_code == 303, programme_run.text
    run_id = int(re.search(r"/runs/(\d+)/present", programme_run.location)[1])
    with app.app_context():
        kept = db.session.get(Programme, programme_id).module_version
        assert db.session.get(Run, run_id).module_version == kept
        assert db.session.get(Run, run_id).programme_id == programme_id
        own = db.session.get(Run, own_run)
        assert own.module_version != kept and own.programme_id is None
    page = teacher.client.get(
        f"/school/programmes/{programme_id}/module?assignment={assignment_id}"
    ).text
    assert TITLE in page and "&lt;script&gt;" in page


def test_only_the_staff_of_a_school_taking_part_reach_the_module(
    app, programme, coordinator, other_schools, make_staff, client
):
    programme_id, _assignment = programme
    urls = [f"/school/programmes/{programme_id}/module",
            f"/school/programmes/{programme_id}/module/pack/nl"]  # fmt: skip
    for url in urls:
        assert coordinator.client.get(url).status_code == 200, url
        for staff in other_schools.values():
            assert staff.client.get(url).status_code == 404, url
        assert make_staff("lead").client.get(url).status_code == 403, url
        assert make_staff("operator").client.get(url).status_code == 403, url
        assert client.get(url).status_code == 302, url
    unknown = f"/school/programmes/{programme_id + 1}/module"
    assert coordinator.client.get(unknown).status_code == 404
    # A school that left no longer has the programme's module.
    coordinator.client.post(f"/school/programmes/{programme_id}/leave", data={"confirm": "y"})
    assert coordinator.client.get(urls[0]).status_code == 404


def test_a_module_of_the_library_works_as_before_and_the_page_shows_it(app, lead, teacher):
    made = new_programme(lead, [teacher.user["school_id"]], None, module="sample")
    assert made.status_code == 303, made.text
    with app.app_context():
        kept = db.session.scalar(db.select(Programme))
        version = db.session.get(ModuleVersion, kept.module_version)
        assert (version.school_id, version.municipality_id) == (None, None)
        assert module_of_version(version.digest).trusted is True


@pytest.mark.parametrize(
    ("archive", "changes", "status", "message"),
    [
        (b"not a zip", {}, 422, "this is not a zip file"),
        (programme_zip(change=lambda files: files.pop("nl.md") and files.pop("en.md")), {},
         422, "Problems by file and line"),
        (programme_zip(change=lambda files: files.update({"nl.md": files["nl.md"].replace(
            "duration: 50", "duration: lang")})), {}, 422, "nl.md:"),
        (programme_zip(slug="sample"), {}, 422, "like a module of the lesson library"),
        (programme_zip(), {"module": "sample"}, 400, "not both"),
        (None, {}, 400, "Choose a library module or add a zip"),
    ],
)  # fmt: skip
def test_a_broken_zip_a_library_slug_or_no_choice_is_refused_and_stores_nothing(
    app, lead, teacher, archive, changes, status, message
):
    lead.client.post("/language", data={"language": "en"})
    refused = new_programme(lead, [teacher.user["school_id"]], archive, **changes)
    assert refused.status_code == status, refused.text
    assert message in refused.text
    assert count(app, Programme) == 0 and count(app, ModuleVersion) == 0


def test_the_new_programme_form_needs_its_csrf_token(app, lead, teacher, csrf_on):
    data = {"name": "Delft", "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=9)).isoformat(), "min_answers": "50",
            "schools": [teacher.user["school_id"]],
            "archive": (io.BytesIO(programme_zip()), "delft.zip")}  # fmt: skip
    assert lead.client.post("/programmes/new", data=data).status_code == 400
    assert count(app, Programme) == 0 and count(app, ModuleVersion) == 0


def test_a_slug_a_school_has_already_gets_a_number_and_then_is_taken_for_schools(
    app, lead, teacher, coordinator
):
    with app.app_context():
        files = {name: text.replace("slug: sample", f"slug: {SLUG}", 1)
                 for name, text in sample_files().items()}  # fmt: skip
        db.session.add(OwnModule(school_id=teacher.user["school_id"], slug=SLUG, files=files))
        db.session.commit()
    made = new_programme(lead, [teacher.user["school_id"]], programme_zip())
    assert made.status_code == 303, made.text
    with app.app_context():
        programme = db.session.scalar(db.select(Programme))
        version = db.session.get(ModuleVersion, programme.module_version)
        # The schools' results go by slug: the programme's module never shares one.
        assert programme.module_slug == version.slug == f"{SLUG}-2"
        assert f"slug: {SLUG}-2" in version.files["nl.md"]
        school = db.session.get(School, coordinator.user["school_id"])
        assert slug_taken(school, f"{SLUG}-2")


def test_an_invited_school_reads_the_module_before_it_answers(app, lead, teacher, coordinator):
    made = new_programme(lead, [teacher.user["school_id"]], programme_zip())
    programme_id = int(made.location.rsplit("/", 1)[1])
    page = coordinator.client.get(f"/school/programmes/{programme_id}").text
    assert f"/school/programmes/{programme_id}/module" in page
    module = coordinator.client.get(f"/school/programmes/{programme_id}/module")
    assert module.status_code == 200 and TITLE in module.text
    # Once the school declined, the programme's module is not its to read.
    coordinator.client.post(f"/school/programmes/{programme_id}/decline")
    assert coordinator.client.get(f"/school/programmes/{programme_id}/module").status_code == 404
