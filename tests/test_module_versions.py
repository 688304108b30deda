"""Modules keep their text: a lesson shows the module version it started with, and a slug
is looked up within one school, never across."""

import io
import re
import shutil
from datetime import date, timedelta

import pytest
from conftest import SAMPLE_LESSONS_DIR, run_info
from test_authoring import editor_fields, post_editor, start_module

from classroom.catalogue.models import ModuleVersion, OwnModule
from classroom.extensions import db
from classroom.lessons.archive import module_zip
from classroom.polls.models import Run

GUIDE_A = "Wat weten en verwachten de leerlingen?"
GUIDE_B = "Wat weten de leerlingen van school B al?"


@pytest.fixture
def lessons_dir(tmp_path):
    """A library of its own per test, so that a test can change it on disk."""
    copy = tmp_path / "lessons"
    shutil.copytree(SAMPLE_LESSONS_DIR, copy)
    return copy


@pytest.fixture
def school_a(teacher, coordinator, make_class):
    """The teacher's school: a coordinator and a second class of the teacher."""
    second_class = make_class(teacher.user["school_id"], [teacher.user["id"]], name="4 VWO A")
    return coordinator, second_class


@pytest.fixture
def school_b(make_staff, make_class):
    """A teacher and a coordinator of another school."""
    teacher = make_staff("teacher")
    school_id = teacher.user["school_id"]
    teacher.class_id = make_class(school_id, [teacher.user["id"]], name="2 HAVO")
    return teacher, make_staff("coordinator", school_id=school_id)


def own_files(app, slug, school_id):
    with app.app_context():
        return dict(
            db.session.scalar(
                db.select(OwnModule).where(OwnModule.slug == slug, OwnModule.school_id == school_id)
            ).files
        )


def import_zip(staff, slug, files):
    response = staff.client.post(
        "/modules/import",
        data={"archive": (io.BytesIO(module_zip(slug, files)), f"{slug}.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.text
    return response.location.rsplit("/", 1)[-1]


def other_schools_files(files):
    """The same module as another school wrote it: another film, another guide."""
    return {
        name: text.replace("Wonder", "Kwartel").replace(GUIDE_A, GUIDE_B)
        for name, text in files.items()
    }


def to_phase(staff, run_id):
    """Move the projector from the ground rules to the first phase."""
    assert staff.client.post(f"/runs/{run_id}/flow/next").status_code == 303


def guide_now(staff, run_id):
    page = staff.client.get(f"/runs/{run_id}").text
    found = re.search(r'<details class="guide-now".*?</details>', page, re.S)
    return found[0] if found else ""


def text_of(response):
    assert response.status_code == 200, response.status_code
    return response.text if response.mimetype != "text/csv" else response.data.decode("utf-8-sig")


def assign(coordinator, class_id, teacher_id, slug):
    due = (date.today() + timedelta(days=7)).isoformat()
    response = coordinator.client.post(
        "/school/assignments",
        data={"module": slug, "classes": [class_id], "teacher": teacher_id, "due_on": due},
    )
    assert response.status_code == 303, response.text


def test_a_deleted_modules_slug_taken_by_another_school_never_reaches_the_first_schools_lessons(
    app, teacher, school_a, school_b, student
):
    coordinator, second_class = school_a
    stranger, stranger_coordinator = school_b
    slug = start_module(teacher, name="Wonder")
    assert teacher.client.post(f"/modules/{slug}/share").status_code == 303
    assign(coordinator, teacher.class_id, teacher.user["id"], slug)
    files_a = own_files(app, slug, teacher.user["school_id"])
    # An old lesson (ended, with released answers) and one paused until the next session.
    old = teacher.start_run(teacher.class_id, module=slug)
    code, questions = run_info(app, old)
    know = questions[2]
    teacher.act(old, know, "open")
    for value in ("4", "4", "5", "2", "4", "3"):
        phone = student()
        phone.join(code)
        assert phone.answer(code, know, value).status_code == 303
    teacher.act(old, know, "close")
    teacher.act(old, know, "release")
    teacher.client.post(f"/runs/{old}/end")
    running = teacher.start_run(second_class, module=slug)
    to_phase(teacher, running)
    teacher.client.post(f"/runs/{running}/pause")
    # School A deletes the module; school B imports its own module under the same slug.
    assert teacher.client.post(f"/modules/{slug}/delete").status_code == 303
    assert import_zip(stranger, slug, other_schools_files(files_a)) == slug
    assert stranger.client.post(f"/modules/{slug}/share").status_code == 303
    theirs = stranger.start_run(stranger.class_id, module=slug)
    to_phase(stranger, theirs)
    assert GUIDE_B in guide_now(stranger, theirs)

    teacher.client.post(f"/runs/{running}/resume")
    guide = guide_now(teacher, running)
    assert GUIDE_A in guide and "school B" not in guide
    pages = [
        teacher.client.get(f"/runs/{running}"),
        teacher.client.get(f"/runs/{running}/present"),
        teacher.client.get(f"/runs/{running}/companion"),
        teacher.client.get(f"/runs/{old}/summary"),
        teacher.client.get(f"/runs/{old}/summary.csv"),
        teacher.client.get(f"/runs/{old}/pack/nl"),
        teacher.client.get("/"),
        coordinator.client.get("/school/assignments"),
        coordinator.client.get("/school/results"),
        coordinator.client.get(f"/school/results/{slug}"),
        coordinator.client.get(f"/school/results/{slug}.csv"),
    ]
    for response in pages:
        page = text_of(response)
        assert "Wonder" in page, response.request.path
        assert "Kwartel" not in page and "school B" not in page, response.request.path
    assert "Let tijdens de film “Wonder” op" in text_of(pages[1])  # the projector text
    assert "Ik weet veel over het onderwerp van de film “Wonder”" in text_of(pages[9])
    # School B's results of its module are its own lesson's only.
    theirs_page = text_of(stranger_coordinator.client.get(f"/school/results/{slug}"))
    assert "Kwartel" in theirs_page and "Wonder" not in theirs_page


def test_a_running_lesson_keeps_the_guide_it_started_with_when_the_module_is_edited(app, teacher):
    slug = start_module(teacher, name="Wonder")
    running = teacher.start_run(teacher.class_id, module=slug)
    to_phase(teacher, running)
    fields, _page = editor_fields(teacher, slug)
    guide = fields["nl-phase-0-guide"]
    assert GUIDE_A in guide
    response = post_editor(teacher, slug, {
        "nl-phase-0-guide": guide.replace(GUIDE_A, "Een nieuwe gidsregel."),
        "nl-phase-0-projector": "Nieuwe **projectortekst**",
    })  # fmt: skip
    assert response.status_code == 303
    assert "Een nieuwe gidsregel." in teacher.client.get(f"/modules/{slug}").text
    guide = guide_now(teacher, running)
    assert GUIDE_A in guide and "Een nieuwe gidsregel." not in guide
    projector = teacher.client.get(f"/runs/{running}/present").text
    assert "Let tijdens de film" in projector and "projectortekst" not in projector
    # A lesson started after the change shows the module as it is now.
    later = teacher.start_run(teacher.class_id, module=slug)
    to_phase(teacher, later)
    assert "Een nieuwe gidsregel." in guide_now(teacher, later)
    projector = teacher.client.get(f"/runs/{later}/present").text
    assert "Nieuwe <strong>projectortekst</strong>" in projector


def test_a_library_module_changed_by_a_deployment_leaves_running_lessons_as_they_started(
    app, teacher, lessons_dir
):
    running = teacher.start_run(teacher.class_id)
    to_phase(teacher, running)
    assert "Peilen." in guide_now(teacher, running)
    for name, old, new in [
        ("nl.md", "### 2. Peilen (12 min)\n\nPeilen.", "### 2. Peilen (12 min)\n\nNieuw peilen."),
        ("nl.md", "Welke kleur vind je mooi?", "Welke kleur vind je het mooist?"),
        ("en.md", "Which colour do you like?", "Which colour do you like best?"),
    ]:
        path = lessons_dir / "sample" / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    app.extensions.pop("lesson_library")  # what a restart after the deployment does
    guide = guide_now(teacher, running)
    assert "Peilen." in guide and "Nieuw peilen." not in guide
    pack = text_of(teacher.client.get(f"/runs/{running}/pack/nl"))
    assert "Welke kleur vind je mooi?" in pack and "het mooist" not in pack
    later = teacher.start_run(teacher.class_id)
    to_phase(teacher, later)
    assert "Nieuw peilen." in guide_now(teacher, later)
    assert "het mooist" in text_of(teacher.client.get(f"/runs/{later}/pack/nl"))
    with app.app_context():
        versions = db.session.scalars(db.select(ModuleVersion)).all()
        # One row per text, whichever school gives it: the library's belong to no school.
        assert len(versions) == 2 and all(v.school_id is None for v in versions)


def test_lessons_of_one_text_share_one_version_and_a_schools_own_version_is_its_own(
    app, teacher, school_b
):
    stranger, _coordinator = school_b
    for _ in range(3):
        teacher.start_run(teacher.class_id)
    stranger.start_run(stranger.class_id)
    slug = start_module(teacher, name="Wonder")
    mine = teacher.start_run(teacher.class_id, module=slug)
    with app.app_context():
        versions = db.session.scalars(db.select(ModuleVersion)).all()
        assert len(versions) == 2
        run = db.session.get(Run, mine)
        own = db.session.get(ModuleVersion, run.module_version)
        assert own.school_id == teacher.user["school_id"] and own.slug == slug


def test_a_deleted_modules_lessons_keep_their_guide_and_pack(app, teacher):
    slug = start_module(teacher, name="Wonder")
    running = teacher.start_run(teacher.class_id, module=slug, language="en")
    to_phase(teacher, running)
    assert teacher.client.post(f"/modules/{slug}/delete").status_code == 303
    assert teacher.client.get(f"/modules/{slug}").status_code == 404
    guide = guide_now(teacher, running)
    assert "What do students know and expect?" in guide
    pack = text_of(teacher.client.get(f"/runs/{running}/pack/en"))
    assert "What do you expect of the film “Wonder”?" in pack
    assert f'href="/runs/{running}"' in pack  # back to the lesson, not to a module page
    assert teacher.client.get(f"/runs/{running}/pack/nl").status_code == 200


def test_a_slug_is_the_schools_and_one_it_gave_lessons_with_stays_taken(app, teacher, school_b):
    stranger, _coordinator = school_b
    slug = start_module(teacher, name="Wonder")
    # Another school names its module the same, and knows nothing of the first one.
    assert start_module(stranger, name="Wonder") == slug
    assert teacher.client.post(f"/modules/{slug}/delete").status_code == 303
    assert start_module(teacher, name="Wonder") == slug  # never given: free again
    teacher.start_run(teacher.class_id, module=slug)
    assert teacher.client.post(f"/modules/{slug}/delete").status_code == 303
    # Given once, the slug stays the school's old module's, so its results never mix.
    assert start_module(teacher, name="Wonder") != slug
    assert start_module(stranger, name="Wonder") != slug  # the stranger still has theirs


def test_a_lesson_from_before_versions_looks_its_module_up_in_its_own_school_only(
    app, teacher, school_b
):
    stranger, _coordinator = school_b
    slug = start_module(teacher, name="Wonder")
    files = own_files(app, slug, teacher.user["school_id"])
    running = teacher.start_run(teacher.class_id, module=slug)
    to_phase(teacher, running)
    with app.app_context():
        db.session.execute(db.update(Run).where(Run.id == running).values(module_version=None))
        db.session.commit()
    assert GUIDE_A in guide_now(teacher, running)  # its school's module, found by slug
    assert teacher.client.post(f"/modules/{slug}/delete").status_code == 303
    import_zip(stranger, slug, other_schools_files(files))
    assert guide_now(teacher, running) == ""  # gone, and never the other school's


def test_the_run_pages_stay_within_their_query_caps_with_an_own_module(app, teacher):
    from test_page_queries import answer_questions, queries

    slug = start_module(teacher, name="Wonder")
    run_id = teacher.start_run(teacher.class_id, module=slug)
    answer_questions(app, run_id, 2)
    counts = []
    for _step in range(4):
        counts.append(queries(app, teacher.client, f"/runs/{run_id}/present"))
        assert teacher.client.post(f"/runs/{run_id}/flow/next").status_code == 303
    assert max(counts) <= 8, counts
