"""Modules written by teachers: guided start, editor, sharing, runs, copies, zip out and in."""

import io
import re
import zipfile

import pytest
from conftest import REAL_LESSONS_DIR, Staff, rendered_form, run_info

from classroom.authoring.models import OwnModule
from classroom.authoring.skeleton import KINDS
from classroom.extensions import db

KIND_WORDS = {"play": "voorstelling", "film": "film", "book": "boek", "excursion": "excursie",
              "news": "nieuws"}  # fmt: skip


def start_module(staff, kind="film", languages="both", name="Wonder"):
    """Make a module through the guided start; returns its slug."""
    response = staff.client.post(
        "/modules/", data={"kind": kind, "languages": languages, "name": name}
    )
    assert response.status_code == 303, response.text
    return re.search(r"/modules/([a-z0-9-]+)/edit", response.location)[1]


def editor_fields(staff, slug):
    """What a browser posts from the editor as it is rendered now."""
    page = staff.client.get(f"/modules/{slug}/edit")
    assert page.status_code == 200
    return rendered_form(page.text, f"/modules/{slug}/edit"), page.text


def post_editor(staff, slug, changes=(), action="save", drop=()):
    fields, _page = editor_fields(staff, slug)
    data = dict(fields)
    for name in drop:
        data.pop(name, None)
    data.update(changes)
    data["action"] = action
    return staff.client.post(f"/modules/{slug}/edit", data=data)


def own(app, slug):
    with app.app_context():
        return db.session.scalar(db.select(OwnModule).where(OwnModule.slug == slug))


@pytest.mark.parametrize("kind", KINDS)
def test_guided_start_gives_a_module_without_problems_for_each_kind(app, teacher, kind):
    slug = start_module(teacher, kind=kind, name="")
    page = teacher.client.get(f"/modules/{slug}/edit")
    assert "No problems: this module can be shared and started." in page.text
    detail = teacher.client.get(f"/modules/{slug}")
    assert detail.status_code == 200
    assert KIND_WORDS[kind] in detail.text
    assert "Voorgesprek" in detail.text and "Nagesprek" in detail.text
    module = own(app, slug)
    assert set(module.files) == {"nl.md", "en.md"}
    assert "compare_to: home-pre" in module.files["nl.md"]
    assert "sensitive: true" in module.files["en.md"]


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
    code, questions = run_info(app, run_id)
    assert len(questions) == 9
