"""Modules written by teachers: guided start, editor, sharing, runs, copies, zip out and in."""

import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from conftest import REAL_LESSONS_DIR, rendered_form, run_info
from werkzeug.datastructures import MultiDict

from classroom.authoring.skeleton import KINDS
from classroom.catalogue.models import OwnModule
from classroom.extensions import db

NO_PROBLEMS = "Geen problemen: je kunt deze module delen en starten."
KIND_WORDS = {"play": "voorstelling", "film": "film", "book": "boek", "excursion": "excursie",
              "news": "nieuws"}  # fmt: skip


def start_module(staff, kind="film", languages="both", name="Wonder"):
    """Make a module through the guided start; returns its slug."""
    response = staff.client.post(
        "/modules/", data={"kind": kind, "languages": languages, "name": name}
    )
    assert response.status_code == 303, response.text
    return re.search(r"/modules/([a-z0-9-]+)/edit", response.location)[1]


class EditorReader(HTMLParser):
    """Every (name, value) a browser posts from the editor form, textareas and repeats too."""

    def __init__(self, action):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.select, self.area = action, False, None, None
        self.pairs: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif not self.inside or (not attrs.get("name") and tag != "option"):
            return
        elif tag == "input" and attrs.get("type") != "submit":
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.pairs.append([attrs["name"], attrs.get("value") or ""])
        elif tag == "textarea":
            self.area = [attrs["name"], ""]
            self.pairs.append(self.area)
        elif tag == "select":
            self.select = [attrs["name"], None]
            self.pairs.append(self.select)
        elif (
            tag == "option"
            and self.select is not None
            and ("selected" in attrs or self.select[1] is None)
        ):
            self.select[1] = attrs.get("value") or ""

    def handle_data(self, data):
        if self.area is not None:
            self.area[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            if self.area is not None and self.area[1].startswith("\n"):
                self.area[1] = self.area[1][1:]
            self.area = None
        elif tag == "select":
            self.select = None


def editor_fields(staff, slug):
    """What a browser posts from the editor as it is rendered now, and the page."""
    page = staff.client.get(f"/modules/{slug}/edit")
    assert page.status_code == 200
    reader = EditorReader(f"/modules/{slug}/edit")
    reader.feed(page.text)
    return MultiDict([tuple(pair) for pair in reader.pairs]), page.text


def post_editor(staff, slug, changes=(), action="save"):
    fields, _page = editor_fields(staff, slug)
    for name, value in dict(changes).items():
        fields.setlist(name, value if isinstance(value, list) else [value])
    fields["action"] = action
    return staff.client.post(f"/modules/{slug}/edit", data=fields)


def own(app, slug):
    with app.app_context():
        return db.session.scalar(db.select(OwnModule).where(OwnModule.slug == slug))


@pytest.mark.parametrize("kind", KINDS)
def test_guided_start_gives_a_module_without_problems_for_each_kind(app, teacher, kind):
    slug = start_module(teacher, kind=kind, name="")
    page = teacher.client.get(f"/modules/{slug}/edit")
    assert NO_PROBLEMS in page.text
    detail = teacher.client.get(f"/modules/{slug}")
    assert detail.status_code == 200
    assert KIND_WORDS[kind] in detail.text
    assert "Voorgesprek" in detail.text and "Nagesprek" in detail.text
    module = own(app, slug)
    assert set(module.files) == {"nl.md", "en.md"}
    assert "compare_to: home-pre" in module.files["nl.md"]
    assert "sensitive: true" in module.files["en.md"]


def test_a_name_that_is_taken_or_part_of_a_url_gets_another_slug(app, teacher):
    assert start_module(teacher, name="Sample") != "sample"  # the library's folder
    assert start_module(teacher, name="Import") != "import"
    first, second = start_module(teacher, name="Wonder"), start_module(teacher, name="Wonder")
    assert first != second


@pytest.mark.parametrize("languages", ["nl", "en"])
def test_a_module_in_one_language_runs_only_in_that_language(app, teacher, languages):
    slug = start_module(teacher, languages=languages)
    assert set(own(app, slug).files) == {f"{languages}.md"}
    page = teacher.client.get(f"/modules/{slug}")
    form = rendered_form(page.text, "/runs/")
    assert form["language"] == languages
    start = page.text.split('action="/runs/"')[1]
    offered = re.findall(r'<option[^>]*value="(nl|en)"', start.split("</select>", 2)[1])
    assert offered == [languages]
    run_id = teacher.start_run(teacher.class_id, module=slug, language=languages)
    _code, questions = run_info(app, run_id)
    assert len(questions) == 9


# --- the editor --------------------------------------------------------------------------


def test_the_editor_saves_every_field_it_shows_and_reads_them_back(app, teacher):
    slug = start_module(teacher)
    changes = {
        "nl-title": "Nagesprek over de film",
        "en-title": "Talking about the film",
        "nl-poll-1-options": "Blij\nBang\nBoos",
        "en-poll-1-options": "Glad\nAfraid\nAngry",
        "nl-poll-5-options": "Blij\nBang\nBoos",
        "en-poll-5-options": "Glad\nAfraid\nAngry",
        "poll-1-correct": "2",
        "poll-5-correct": "2",
        "nl-phase-0-projector": "**Kijk goed**",
    }
    response = post_editor(teacher, slug, changes)
    assert response.status_code == 303
    fields, page = editor_fields(teacher, slug)
    for name, value in changes.items():
        assert fields.get(name) == value, name
    assert NO_PROBLEMS in page
    files = own(app, slug).files
    assert "title: Nagesprek over de film" in files["nl.md"]
    assert "correct: 1" in files["en.md"]  # the editor counts options from 1, the file from 0
    detail = teacher.client.get(f"/modules/{slug}")
    assert "Talking about the film" not in detail.text and "Nagesprek over de film" in detail.text


def test_a_problem_is_shown_at_its_field_and_in_the_summary_and_saving_still_works(app, teacher):
    slug = start_module(teacher)
    response = post_editor(teacher, slug, {"phase-0-minutes": "veertig", "nl-summary": ""})
    assert response.status_code == 303
    _fields, page = editor_fields(teacher, slug)
    assert 'id="phase-0-minutes-error"' in page
    assert re.search(r'id="phase-0-minutes"[^>]*aria-describedby="phase-0-minutes-error"', page)
    assert 'id="nl-summary-error"' in page
    assert 'href="#phase-0-minutes"' in page and 'href="#nl-summary"' in page
    assert "minutes must be a whole number" in page or "minuten moet" in page
    assert "veertig" in own(app, slug).files["nl.md"]
    # With problems it can be neither shared nor started.
    assert teacher.client.post(f"/modules/{slug}/share").status_code == 303
    assert own(app, slug).shared_at is None
    refused = teacher.client.post(
        "/runs/", data={"module": slug, "school_class": teacher.class_id, "language": "nl"}
    )
    assert refused.status_code == 404


def test_preview_renders_markdown_safely_and_stores_nothing(app, teacher):
    slug = start_module(teacher)
    before = own(app, slug).files
    guide = "### 1. Meedoen (3 min)\n\n**vet** <script>alert(1)</script>"
    response = post_editor(teacher, slug, {"nl-phase-0-guide": guide}, action="preview")
    assert response.status_code == 200
    assert "<strong>vet</strong>" in response.text
    assert "<script>alert(1)" not in response.text
    assert own(app, slug).files == before


def test_questions_are_added_moved_and_removed(app, teacher):
    slug = start_module(teacher)
    post_editor(teacher, slug, {"new-poll-type": "estimate"}, action="add-poll")
    files = own(app, slug).files["nl.md"]
    assert "key: poll-10" in files and "type: estimate" in files
    post_editor(teacher, slug, {}, action="poll-9-up")
    keys = re.findall(r"^- key: (\S+)", own(app, slug).files["nl.md"], re.MULTILINE)
    assert keys[-2:] == ["poll-10", "question"]
    post_editor(teacher, slug, {}, action="poll-8-remove")
    keys = re.findall(r"^- key: (\S+)", own(app, slug).files["en.md"], re.MULTILINE)
    assert "poll-10" not in keys and len(keys) == 2 + 9


def test_a_language_can_be_dropped_and_added_again(app, teacher):
    slug = start_module(teacher)
    post_editor(teacher, slug, {"languages": ["en"]})
    assert set(own(app, slug).files) == {"en.md"}
    post_editor(teacher, slug, {"languages": ["nl", "en"]})
    files = own(app, slug).files
    assert set(files) == {"nl.md", "en.md"}
    assert files["nl.md"] == files["en.md"]  # Dutch starts as a copy, to be translated


# --- who sees what -----------------------------------------------------------------------


@pytest.fixture
def colleagues(teacher, make_staff, make_class):
    """A colleague and a coordinator of the teacher's school, and a teacher of another school."""
    school_id = teacher.user["school_id"]

    def staff(role, school=None):
        member = make_staff(role, school_id=school)
        user = member.user
        member.class_id = make_class(user["school_id"], [user["id"]], name=f"K{user['id']}")
        return member

    return staff("teacher", school_id), staff("coordinator", school_id), staff("teacher")


def test_a_draft_is_the_authors_a_shared_module_the_schools_and_never_another_schools(
    app, teacher, colleagues
):
    colleague, coordinator, stranger = colleagues
    slug = start_module(teacher)
    for other in (colleague, coordinator, stranger):
        assert other.client.get(f"/modules/{slug}").status_code == 404
        assert slug not in other.client.get("/modules/").text
    assert teacher.client.post(f"/modules/{slug}/share").status_code == 303
    for other in (colleague, coordinator):
        assert other.client.get(f"/modules/{slug}").status_code == 200
        assert other.client.get(f"/modules/{slug}/edit").status_code == 404
        assert other.client.post(f"/modules/{slug}/unshare").status_code == 404
    routes = [("get", ""), ("get", "/edit"), ("post", "/edit"), ("post", "/share"),
              ("post", "/unshare"), ("post", "/delete"), ("get", "/export"),
              ("get", "/pack/nl")]  # fmt: skip
    for method, path in routes:
        assert getattr(stranger.client, method)(f"/modules/{slug}{path}").status_code == 404
    refused = stranger.client.post(
        "/runs/", data={"module": slug, "school_class": stranger.class_id, "language": "nl"}
    )
    assert refused.status_code == 404
    assert slug not in stranger.client.get("/modules/").text
    # The colleague can give it.
    colleague.start_run(colleague.class_id, module=slug)


def test_a_deleted_teachers_shared_modules_stay_and_drafts_go(app, teacher, colleagues):
    from classroom.accounts.models import User

    colleague, _coordinator, _stranger = colleagues
    shared = start_module(teacher, name="Gedeeld")
    draft = start_module(teacher, name="Kladje")
    teacher.client.post(f"/modules/{shared}/share")
    with app.app_context():
        db.session.delete(db.session.get(User, teacher.user["id"]))
        db.session.commit()
    assert own(app, draft) is None
    kept = own(app, shared)
    assert kept is not None and kept.author_id is None
    page = colleague.client.get(f"/modules/{shared}")
    assert page.status_code == 200
    assert "een oud-collega" in colleague.client.get("/modules/").text


# --- copies, zips ------------------------------------------------------------------------


@pytest.mark.parametrize("lessons_dir", [REAL_LESSONS_DIR])
def test_a_library_module_is_copied_into_an_own_one_that_names_its_origin(app, teacher):
    library_page = teacher.client.get("/lessons/jihad")
    assert "/modules/copy/jihad" in library_page.text
    response = teacher.client.post("/modules/copy/jihad")
    assert response.status_code == 303
    slug = re.search(r"/modules/([a-z0-9-]+)/edit", response.location)[1]
    assert slug != "jihad"
    page = teacher.client.get(f"/modules/{slug}")
    assert page.status_code == 200
    assert "jihad" in page.text and "/lessons/jihad" in page.text
    _fields, editor = editor_fields(teacher, slug)
    assert "flash-error" not in editor, re.findall(
        r"<li>.*?</li>", editor.split("problems-heading")[1]
    )[:5]
    # The copy is the teacher's to change; a reworded pre question must keep its pair's words.
    post_editor(teacher, slug, {"nl-title": "Mijn eigen Jihad-les"})
    assert "title: Mijn eigen Jihad-les" in own(app, slug).files["nl.md"]
    run_id = teacher.start_run(teacher.class_id, module=slug)
    assert run_info(app, run_id)[1]


def zip_names(data):
    return sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())


def test_export_import_export_is_identical(app, teacher):
    slug = start_module(teacher)
    exported = teacher.client.get(f"/modules/{slug}/export")
    assert exported.status_code == 200
    assert exported.mimetype == "application/zip"
    assert zip_names(exported.data) == [f"{slug}/", f"{slug}/en.md", f"{slug}/nl.md"]
    files_before = own(app, slug).files
    teacher.client.post(f"/modules/{slug}/delete")
    assert own(app, slug) is None
    imported = teacher.client.post(
        "/modules/import",
        data={"archive": (io.BytesIO(exported.data), f"{slug}.zip")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 303, imported.text
    assert own(app, slug).files == files_before
    again = teacher.client.get(f"/modules/{slug}/export")
    assert again.data == exported.data
    # Imported once more, it gets a new name; only the slug line differs.
    second = teacher.client.post(
        "/modules/import",
        data={"archive": (io.BytesIO(exported.data), f"{slug}.zip")},
        content_type="multipart/form-data",
    )
    new_slug = re.search(r"/modules/([a-z0-9-]+)$", second.location)[1]
    assert new_slug != slug
    renamed = own(app, new_slug).files
    assert {
        n: t.replace(f"slug: {new_slug}", f"slug: {slug}") for n, t in renamed.items()
    } == files_before


def test_an_import_with_problems_stores_nothing_and_names_file_and_line(app, teacher):
    slug = start_module(teacher)
    post_editor(teacher, slug, {"en-summary": "", "phase-1-minutes": "x"})
    broken = teacher.client.get(f"/modules/{slug}/export").data
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count(OwnModule.id)))
    response = teacher.client.post(
        "/modules/import",
        data={"archive": (io.BytesIO(broken), "broken.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert re.search(r"en\.md:\d+:", response.text)
    not_a_zip = teacher.client.post(
        "/modules/import",
        data={"archive": (io.BytesIO(b"no zip at all"), "x.zip")},
        content_type="multipart/form-data",
    )
    assert not_a_zip.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(OwnModule.id))) == count


# --- done when: a film module from the editor to the school results ---------------------


def test_a_film_module_written_shared_assigned_answered_and_seen_in_the_school_results(
    app, teacher, colleagues, student
):
    from datetime import timedelta

    from classroom.timeutil import now_utc

    colleague, coordinator, stranger = colleagues
    slug = start_module(teacher, kind="film", languages="both", name="Wonder")
    post_editor(teacher, slug, {
        "nl-title": "Voor- en nagesprek bij Wonder",
        "en-title": "Before and after Wonder",
        "values": ["equality", "solidarity"],
    })  # fmt: skip
    assert teacher.client.post(f"/modules/{slug}/share").status_code == 303
    # The coordinator assigns it like a library module, to the teacher's and a colleague's class.
    form = coordinator.client.get("/school/assignments")
    assert f'value="{slug}"' in form.text and "Voor- en nagesprek bij Wonder" in form.text
    due = (now_utc().date() + timedelta(days=7)).isoformat()
    for member in (teacher, colleague):
        response = coordinator.client.post("/school/assignments", data={
            "module": slug, "classes": [member.class_id], "teacher": member.user["id"],
            "due_on": due, "note": "",
        })  # fmt: skip
        assert response.status_code == 303, response.text
    dashboard = teacher.client.get("/")
    assert "Voor- en nagesprek bij Wonder" in dashboard.text
    assert f"/modules/{slug}?assignment=" in dashboard.text.replace("&amp;", "&")
    # Each class answers the pre question on its phones; the run is summarised and exported.
    for member in (teacher, colleague):
        run_id = member.start_run(member.class_id, module=slug)
        code, questions = run_info(app, run_id)
        know = questions[2]
        member.act(run_id, know, "open")
        for value in ("4", "4", "5", "2", "4", "3"):
            phone = student()
            phone.join(code)
            assert phone.answer(code, know, value).status_code == 303
        member.act(run_id, know, "close")
        assert member.client.post(f"/runs/{run_id}/questions/{know}/release").status_code in (
            200,
            303,
        )
        member.client.post(f"/runs/{run_id}/end")
        summary = member.client.get(f"/runs/{run_id}/summary")
        assert "Ik weet veel over het onderwerp van de film" in summary.text
        exported = member.client.get(f"/runs/{run_id}/summary.csv")
        assert exported.status_code == 200
        assert "Ik weet veel over het onderwerp" in exported.data.decode("utf-8-sig")
    overview = coordinator.client.get("/school/")
    assert "Voor- en nagesprek bij Wonder" in overview.text
    results = coordinator.client.get(f"/school/results/{slug}")
    assert results.status_code == 200
    assert "Voor- en nagesprek bij Wonder" in results.text
    assert "Ik weet veel over het onderwerp van de film" in results.text
    rows = coordinator.client.get(f"/school/results/{slug}.csv").data.decode("utf-8-sig")
    assert ";12;" in rows  # twelve answers over two classes, above the school's k of 10
    citizenship = coordinator.client.get("/school/citizenship")
    assert "Voor- en nagesprek bij Wonder" in citizenship.text
    assert "equality" in citizenship.text or "gelijkwaardigheid" in citizenship.text.lower()
    assert stranger.client.get(f"/modules/{slug}").status_code == 404


# --- every checker message lands at a field ----------------------------------------------

LONG = "x" * 700
CHECKER_CASES = [
    ({"nl-title": ""}, "nl-title"),
    ({"en-title": LONG[:130]}, "en-title"),
    ({"nl-summary": LONG[:250]}, "nl-summary"),
    ({"en-duration_note": LONG[:250]}, "en-duration_note"),
    ({"themes": []}, "themes"),
    ({"levels": []}, "levels"),
    ({"years": []}, "years"),
    ({"values": []}, "values"),
    ({"nl-goals": "Eén doel"}, "nl-goals"),
    ({"duration": "91"}, "duration"),
    ({"duration": "lang"}, "duration"),
    ({"phase-0-key": "Bad Key"}, "phase-0-key"),
    ({"phase-1-key": "pre"}, "phase-1-key"),
    ({"phase-0-minutes": "-1"}, "phase-0-minutes"),
    ({"phase-0-minutes": "10", "duration": "55"}, "nl-phase-0-guide"),
    ({"phase-1-minutes": "35", "phase-0-minutes": "37", "duration": "72"}, "duration"),
    ({"nl-phase-0-title": ""}, "nl-phase-0-title"),
    ({"en-phase-1-projector": LONG}, "en-phase-1-projector"),
    ({"nl-phase-0-guide": ""}, "nl-phase-0-guide"),
    ({"nl-phase-0-guide": "Zonder stappen"}, "nl-phase-0-guide"),
    ({"en-phase-1-guide": "- a\n  - b"}, "en-phase-1-guide"),
    ({"nl-phase-1-guide": "Zie https://www.scribd.com/doc/1"}, "nl-phase-1-guide"),
    ({"nl-phase-1-guide": "Deel de kaartjes uit het lespakket uit."}, "nl-phase-1-guide"),
    ({"poll-0-key": ""}, "poll-0-key"),
    ({"poll-1-key": "expect"}, "poll-1-key"),
    ({"poll-1-phase": "elders"}, "poll-1-phase"),
    ({"poll-1-type": "quiz"}, "poll-1-type"),
    ({"nl-poll-1-options": "Alleen"}, "nl-poll-1-options"),
    ({"nl-poll-1-options": "Twee\nTwee"}, "nl-poll-1-options"),
    ({"nl-poll-1-options": "a\n" + LONG[:90]}, "nl-poll-1-options"),
    ({"en-poll-1-options": "a\nb\nc", "en-poll-5-options": "a\nb\nc"}, "en-poll-1-options"),
    ({"poll-1-correct": "9"}, "poll-1-correct"),
    ({"nl-poll-1-question": ""}, "nl-poll-1-question"),
    ({"nl-poll-0-question": LONG[:250]}, "nl-poll-0-question"),
    ({"nl-poll-2-scale-low": ""}, "nl-poll-2-scale"),
    ({"nl-poll-2-ask": ""}, "nl-poll-2-ask"),
    ({"nl-poll-2-ask": "a\nb\nc\nd\ne"}, "nl-poll-2-ask"),
    ({"nl-poll-2-split": ""}, "nl-poll-2-split"),
    ({"en-poll-2-alone": LONG}, "en-poll-2-alone"),
    ({"nl-poll-3-split": "Praat erover.", "nl-poll-3-unanimous": "Goed zo."}, "nl-poll-3-ask"),
    ({"nl-poll-3-alone": "Vraag wie dat was."}, "nl-poll-3-alone"),
    ({"poll-5-compare_to": "stayed"}, "poll-5-compare_to"),
    ({"poll-5-compare_to": "expect"}, "poll-5-compare_to"),
    ({"poll-7-compare_to": "feel-post"}, "poll-7-compare_to"),
    ({"poll-7-compare_to": "feel-pre"}, "poll-7-compare_to"),
    ({"nl-poll-5-question": "Anders gevraagd?"}, "poll-5-compare_to"),
    ({"nl-section-preparation-body": "Lees het boek."}, "nl-section-preparation-body"),
    ({"nl-section-sources-body": "- Iemand, *Boek*."}, "nl-section-sources-body"),
    ({"en-section-tips-body": ""}, "en-section-tips-body"),
]


def placed_problems(page):
    """The fields the summary links to, and whether any problem has no field."""
    summary = page.split('id="problems"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", summary, re.DOTALL)
    fields = [re.match(r'<a href="#([^"]+)">', item) for item in items]
    return [m[1] for m in fields if m], [
        item for item, m in zip(items, fields, strict=True) if not m
    ]


@pytest.mark.parametrize(("changes", "field"), CHECKER_CASES)
def test_every_checker_problem_is_shown_at_the_field_it_concerns(app, teacher, changes, field):
    slug = start_module(teacher, name="")
    post_editor(teacher, slug, changes)
    _fields, page = editor_fields(teacher, slug)
    fields, unplaced = placed_problems(page)
    assert field in fields, fields
    assert not unplaced
    for name in fields:
        assert f'id="{name}-error"' in page, name
        assert re.search(rf'id="{name}"[^>]*aria-describedby="[^"]*{name}-error', page), name


def test_a_module_with_too_few_questions_or_no_phases_says_so_at_the_list(app, teacher):
    slug = start_module(teacher, name="")
    for index in range(8, 2, -1):
        post_editor(teacher, slug, {}, action=f"poll-{index}-remove")
    _fields, page = editor_fields(teacher, slug)
    assert "polls" in placed_problems(page)[0]
    assert 'id="polls-error"' in page
    post_editor(teacher, slug, {}, action="phase-1-remove")
    post_editor(teacher, slug, {}, action="phase-0-remove")
    _fields, page = editor_fields(teacher, slug)
    assert "phases" in placed_problems(page)[0]
