"""Teachers' text in every field of an own module is escaped or sanitised wherever it shows."""

import re

import pytest
from conftest import run_info
from test_authoring import NO_PROBLEMS, editor_fields, own, post_editor, start_module
from test_xss import PAYLOADS, assert_escaped

LIST_AREAS = ("-goals", "-options", "-ask")
MARKDOWN_AREAS = ("-guide", "-projector", "-body")
NOT_TEXT = ("-key", "-minutes", "-count", "-phase", "-type", "-compare_to", "-correct",
            "-range-low", "-range-high", "-answer", "-sensitive", "-section-ids", "csrf_token",
            "duration", "languages", "themes", "levels", "years", "values")  # fmt: skip


def with_payload(name: str, value: str, payload: str) -> str:
    """The field's text with the payload in it, still passing the checker."""
    if name.endswith(LIST_AREAS):
        return "\n".join(f"{payload} {line}" for line in value.splitlines())
    if name.endswith(MARKDOWN_AREAS):
        return f"{value}\n\n{payload}\n\n[link]({payload}) <b onclick=x>b</b>"
    if "-scale-" in name:
        return payload[:20]
    return f"{payload} {value}" if value else payload


def keep_booth_plan_in_step(fields, changes) -> None:
    """The booth plan in the preparation names the phases by their new titles."""
    for name, title in fields.items():
        if re.fullmatch(r"(nl|en)-phase-\d+-title", name) and name in changes:
            body = f"{name[:2]}-section-preparation-body"
            changes[body] = changes[body].replace(f"‘{title}’", f"‘{changes[name]}’")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_field_of_an_own_module_is_escaped_on_every_page(app, teacher, student, payload):
    slug = start_module(teacher, name="")
    fields, _page = editor_fields(teacher, slug)
    changes = {
        name: with_payload(name, value, payload)
        for name, value in fields.items()
        if not name.endswith(NOT_TEXT) and name not in NOT_TEXT
    }
    keep_booth_plan_in_step(fields, changes)
    changes["new-section-title"] = payload
    post_editor(teacher, slug, changes, action="add-section")
    fields, _page = editor_fields(teacher, slug)
    added = [name for name in fields if name.endswith("-body") and not fields[name]]
    assert len(added) == 2
    post_editor(teacher, slug, dict.fromkeys(added, f"{payload}\n\n*{payload}*"))
    editor = teacher.client.get(f"/modules/{slug}/edit").text
    assert NO_PROBLEMS in editor, editor[editor.find("problems-heading") :][:2000]
    assert_escaped(editor, "the editor")
    fields, _page = editor_fields(teacher, slug)
    preview = post_editor(teacher, slug, {}, action="preview")
    assert_escaped(preview.text, "the preview")
    assert "onclick" not in preview.text.split("<main", 1)[-1].replace("onclick=x&gt;", "")
    assert teacher.client.post(f"/modules/{slug}/share").status_code == 303
    pages = {
        "module page": f"/modules/{slug}",
        "module list": "/modules/",
        "pack": f"/modules/{slug}/pack/nl",
    }
    run_id = teacher.start_run(teacher.class_id, module=slug)
    code, _questions = run_info(app, run_id)
    phone = student()
    phone.join(code)
    for _step in range(4):
        teacher.client.post(f"/runs/{run_id}/flow/next")
        for where, url in {
            "projector": f"/runs/{run_id}/present",
            "teacher screen": f"/runs/{run_id}",
            "companion": f"/runs/{run_id}/companion",
        }.items():
            assert_escaped(teacher.client.get(url).text, where)
        assert_escaped(phone.page(code).text, "student page")
    for where, url in pages.items():
        assert_escaped(teacher.client.get(url).text, where)
    teacher.client.post(f"/runs/{run_id}/end")
    assert_escaped(teacher.client.get(f"/runs/{run_id}/summary").text, "summary")
    assert own(app, slug).shared_at is not None
