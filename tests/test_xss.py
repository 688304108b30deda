"""User text is escaped on every page and export that shows it; CSV cells cannot become formulas."""

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from conftest import Staff, run_info
from markupsafe import escape

from classroom.extensions import db
from classroom.lessons.safe_markdown import render_untrusted_markdown
from classroom.polls import answers
from classroom.polls.models import Question

PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "'\"><iframe src=//evil.test>",
    "{{ 7*7 }}<b>vet</b>",
]
DANGEROUS = ["<script>alert", "<img src=x", "<svg/onload", "<iframe", "<b>vet</b>"]
# Markdown's own ways in, for text rendered with render_untrusted_markdown.
MARKDOWN_PAYLOADS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](//evil.test/steal)",
    "[x](data:text/html,<script>alert(1)</script>)",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "![x](https://evil.test/t.png)",
    '![x](https://evil.test/t.png "t"){onerror=alert(1)}',
    "![x][pixel]\n\n[pixel]: https://evil.test/t.png",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<https://evil.test/x onmouseover=alert(1)>",
    '<http://a.test/"onmouseover="alert(1)>',
    "&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;",
    'Tekst\n{: onclick="alert(1)" style="position:fixed" #login .button }',
    "[x](https://a.test){onclick=alert(1) style=color:red}",
    "# Kop {onmouseover=alert(1)}",
    '<div onclick="alert(1)">\n*blok*\n</div>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.test"><input name=p></form>',
    "<object data=x></object><embed src=x><math><mi>x</mi></math>",
    "<!-- <script>alert(1)</script> -->",
    "`<script>alert(1)</script>`",
    "| <b>a</b> | b |\n|---|---|\n| [c](javascript:alert(1)) | ![d](https://evil.test/d.png) |",
]


def assert_escaped(body: str, where: str) -> None:
    for fragment in DANGEROUS:
        assert fragment not in body, f"{fragment!r} unescaped in {where}"
    assert ">49<" not in body, f"template injection in {where}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_is_escaped_everywhere(app, make_user, make_class, student, payload):
    coordinator_user = make_user("coordinator")
    school_id = coordinator_user["school_id"]
    coordinator = Staff(app.test_client(), coordinator_user)
    coordinator.login()
    teacher_user = make_user("teacher", school_id=school_id)
    teacher = Staff(app.test_client(), teacher_user)
    teacher.login()
    # A class name and an assignment note typed by the coordinator.
    coordinator.client.post(
        "/school/classes",
        data={"name": payload[:60], "level": "havo", "year": "3", "teachers": [teacher_user["id"]]},
    )
    with app.app_context():
        from classroom.coordination.models import SchoolClass

        class_id = db.session.scalar(
            db.select(SchoolClass.id).where(SchoolClass.school_id == school_id)
        )
    coordinator.client.post(
        "/school/assignments",
        data={"module": "sample", "classes": [class_id], "teacher": teacher_user["id"],
              "due_on": "2999-01-01", "note": payload},
    )  # fmt: skip
    run_id = teacher.start_run(class_id)
    code, questions = run_info(app, run_id)
    # The teacher's own question and open answers typed by students.
    teacher.client.post(
        f"/runs/{run_id}/questions",
        data={"type": "single", "question": payload[:200], "options": f"{payload[:80]}\nNee"},
    )
    teacher.act(run_id, questions[3], "open")
    for _ in range(5):
        phone = student()
        phone.join(code)
        phone.answer(code, questions[3], payload)
    with app.app_context():
        for entry in answers.moderation_queue(db.session.get(Question, questions[3])).answers:
            answers.moderate(db.session.get(Question, questions[3]), entry.id, "approved")
        db.session.commit()
    teacher.act(run_id, questions[3], "reveal")
    viewer = student()
    viewer.join(code)
    pages = {
        "control": teacher.client.get(f"/runs/{run_id}"),
        "projector": teacher.client.get(f"/runs/{run_id}/present"),
        "summary": teacher.client.get(f"/runs/{run_id}/summary"),
        "student": viewer.page(code),
        "dashboard": teacher.client.get("/"),
        "my lessons": teacher.client.get("/runs/"),
        "overview": coordinator.client.get("/school/"),
        "classes": coordinator.client.get("/school/classes"),
        "assignments": coordinator.client.get("/school/assignments"),
        "citizenship": coordinator.client.get("/school/citizenship"),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        assert_escaped(response.text, where)
    assert str(escape(payload)) in pages["control"].text  # shown, as text
    for export in (f"/runs/{run_id}/summary.csv", "/school/overview.csv"):
        client = teacher.client if export.startswith("/runs") else coordinator.client
        text = client.get(export).text.lstrip("\ufeff")
        for row in csv.reader(io.StringIO(text), delimiter=";"):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")), (export, cell)


@pytest.mark.parametrize("formula", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x")'])
def test_open_answers_cannot_become_spreadsheet_formulas(app, live_run, student, formula):
    teacher, run_id, code, questions = live_run
    teacher.act(run_id, questions[3], "open")
    for _ in range(5):
        phone = student()
        phone.join(code)
        phone.answer(code, questions[3], formula)
    with app.app_context():
        question = db.session.get(Question, questions[3])
        for entry in answers.moderation_queue(question).answers:
            answers.moderate(question, entry.id, "approved")
        db.session.commit()
    teacher.act(run_id, questions[3], "reveal")
    text = teacher.client.get(f"/runs/{run_id}/summary.csv").text.lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert "'" + formula in cells
    assert formula not in cells


class _Tags(HTMLParser):
    """Collects every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


SAFE_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a",
}  # fmt: skip
SAFE_LINK = re.compile(r"^(https?://|mailto:|tel:)")


def assert_safe_html(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in SAFE_TAGS, (tag, html)
        for name in attrs:
            assert name in {"href", "title", "rel", "start", "align"}, (tag, name, html)
        if tag == "a":
            assert attrs["rel"] == "noopener noreferrer nofollow", html
            assert attrs.get("href") is None or SAFE_LINK.match(attrs["href"]), html
    assert "<img" not in html and "<script" not in html


@pytest.mark.parametrize("payload", PAYLOADS + MARKDOWN_PAYLOADS)
def test_teachers_markdown_renders_without_scripts_styles_or_images(payload):
    html = str(render_untrusted_markdown(payload))
    assert_safe_html(html)
    assert_escaped(html, "teacher's Markdown")


def test_raw_html_shows_as_the_text_typed():
    html = str(render_untrusted_markdown('<b>vet</b> en <script>alert("x")</script>'))
    assert html == '<p>&lt;b&gt;vet&lt;/b&gt; en &lt;script&gt;alert("x")&lt;/script&gt;</p>'


def test_an_image_becomes_a_link_named_by_its_alt_text():
    html = str(render_untrusted_markdown("Zie ![de affiche](https://theater.test/affiche.png)."))
    assert html == (
        '<p>Zie <a href="https://theater.test/affiche.png" rel="noopener noreferrer nofollow">'
        "de affiche</a>.</p>"
    )
    bare = str(render_untrusted_markdown("![](https://theater.test/a.png)"))
    assert ">https://theater.test/a.png</a>" in bare and "<img" not in bare


def test_a_forbidden_link_keeps_its_text_but_loses_its_address():
    html = str(render_untrusted_markdown("[klik](javascript:alert(1)) of [bel](tel:+31301234567)"))
    assert html == (
        '<p><a rel="noopener noreferrer nofollow">klik</a> of '
        '<a href="tel:+31301234567" rel="noopener noreferrer nofollow">bel</a></p>'
    )


def test_the_markdown_of_the_library_still_works():
    text = "\n".join(
        [
            "### Na de voorstelling",
            "",
            "Een **sterke** en *zachte* zin met `code` en https://example.org/bron.",
            "",
            "> Een citaat.",
            "",
            "1. een",
            "2. twee",
            "",
            "- los",
            "",
            "| Vraag | Minuten |",
            "|:------|--------:|",
            "| Start | 5 |",
        ]
    )
    html = str(render_untrusted_markdown(text))
    assert "<h3>Na de voorstelling</h3>" in html
    assert "<strong>sterke</strong>" in html and "<em>zachte</em>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://example.org/bron" rel="noopener noreferrer nofollow">' in html
    assert "<blockquote>" in html and "<ol>" in html and "<ul>" in html
    assert '<th align="left">Vraag</th>' in html and '<td align="right">5</td>' in html
    assert_safe_html(html)
