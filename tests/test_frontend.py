"""The front end keeps to the strict Content Security Policy and loads nothing from elsewhere."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "classroom/templates").rglob("*.html"))
STATIC = ROOT / "classroom/static"

INLINE = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}
# What the page loads or posts to; a plain link to another site is fine.
ELSEWHERE = re.compile(
    r"""(?:\s(?:src|action)|<link\b[^>]*\shref)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE
)
CSS_ELSEWHERE = re.compile(r"""(?:url\(|@import)\s*["']?(?:https?:)?//""", re.IGNORECASE)


def test_the_csp_allows_only_this_site():
    from classroom.security import CONTENT_SECURITY_POLICY

    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_templates_have_no_inline_script_or_style(template):
    source = template.read_text(encoding="utf-8")
    found = [what for what, pattern in INLINE.items() if pattern.search(source)]
    assert found == [], f"{template.relative_to(ROOT)} has {', '.join(found)}: the CSP blocks it"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_templates_load_nothing_from_another_site(template):
    source = template.read_text(encoding="utf-8")
    assert not ELSEWHERE.search(source), f"{template.relative_to(ROOT)} links to another site"


def test_stylesheets_load_nothing_from_another_site():
    for stylesheet in STATIC.rglob("*.css"):
        text = stylesheet.read_text(encoding="utf-8")
        assert not CSS_ELSEWHERE.search(text), f"{stylesheet.relative_to(ROOT)} loads from afar"


def test_scripts_do_not_evaluate_strings():
    for script in STATIC.rglob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"\beval\(|new Function\(", text), script.relative_to(ROOT)
