"""The privacy pack for schools (docs/privacy) stays in step with the models, the tests, README
and the anonymity and security documents (docs/anonymity.md, docs/security.md)."""

import re
from pathlib import Path

import pytest

from classroom import config
from classroom.accounts.models import DEFAULT_RETENTION_DAYS
from classroom.accounts.services import INVITATION_LIFETIME, RESET_LIFETIME
from classroom.coordination.settings import CLASS_K, RETENTION_DAYS, SCHOOL_K
from classroom.extensions import db
from classroom.student.tokens import MAX_RUNS_REMEMBERED

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "docs" / "privacy"
DOCUMENTS = (
    "README",
    "gegevensinventaris",
    "maatregelen",
    "dpia-input",
    "verwerkersovereenkomst-bijlage",
    "mr-samenvatting",
)
INVENTORIES = ("gegevensinventaris.md", "gegevensinventaris.en.md")
TEST_NAME = re.compile(r"`(test_[a-z0-9_]+)`")
TEST_PATH = re.compile(r"`(tests/[a-z0-9_/]+\.py)`")
LINK = re.compile(r"\]\(([^)#]+)\)")


def read(name: str) -> str:
    return (PACK / name).read_text(encoding="utf-8")


def pack_files() -> list[Path]:
    return sorted(PACK.glob("*.md"))


def defined_tests() -> set[str]:
    names = set()
    for path in (ROOT / "tests").rglob("*.py"):
        names |= set(re.findall(r"^\s*def (test_\w+)\(", path.read_text(), re.MULTILINE))
    return names


def claims(document: str) -> str:
    """A document of docs/ whose tables cite the tests behind each claim, checked to be one."""
    text = (ROOT / "docs" / document).read_text(encoding="utf-8")
    assert re.search(r"^\| .* \| `tests?[/_]", text, re.M), f"docs/{document} cites no tests"
    return text


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_document_is_there_in_dutch_and_english(name):
    for path in (PACK / f"{name}.md", PACK / f"{name}.en.md"):
        assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
        assert path.read_text(encoding="utf-8").startswith("# ")


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_the_inventory_names_every_table(app, inventory):
    text = read(inventory)
    missing = [table for table in db.metadata.tables if f"`{table}`" not in text]
    assert missing == [], f"add these tables to docs/privacy/{inventory}: {missing}"


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_the_inventory_explains_every_column_of_the_answer_table(app, inventory):
    text = read(inventory)
    columns = [column.name for column in db.metadata.tables["response"].columns]
    missing = [column for column in columns if f"`{column}`" not in text]
    assert missing == [], f"explain these answer columns in docs/privacy/{inventory}: {missing}"


def test_the_dutch_inventory_explains_every_column_of_every_table_in_its_section(app):
    text = read("gegevensinventaris.md")
    missing = {}
    for name, table in db.metadata.tables.items():
        section = re.search(rf"^### `{re.escape(name)}`.*?(?=^##|\Z)", text, re.M | re.S)
        assert section, f"docs/privacy/gegevensinventaris.md has no section for `{name}`"
        columns = [c.name for c in table.columns if f"`{c.name}`" not in section.group(0)]
        if columns:
            missing[name] = columns
    assert missing == {}, f"explain these columns in docs/privacy/gegevensinventaris.md: {missing}"


def test_every_test_the_pack_cites_exists():
    defined = defined_tests()
    for path in pack_files():
        text = path.read_text(encoding="utf-8")
        unknown = sorted(set(TEST_NAME.findall(text)) - defined)
        assert unknown == [], f"{path.name} cites tests that do not exist: {unknown}"
        files = [f for f in TEST_PATH.findall(text) if not (ROOT / f).is_file()]
        assert files == [], f"{path.name} cites test files that do not exist: {files}"


@pytest.mark.parametrize("document", ["anonymity.md", "security.md"])
def test_the_measures_cite_every_test_of_the_anonymity_and_security_tables(document):
    text = claims(document)
    measures = read("maatregelen.md")
    cited = set(TEST_NAME.findall(text)) | set(TEST_PATH.findall(text))
    missing = sorted(name for name in cited if f"`{name}`" not in measures)
    assert missing == [], f"docs/{document} cites, docs/privacy/maatregelen.md lacks: {missing}"


def test_the_links_inside_the_pack_lead_to_its_files():
    for path in pack_files():
        for target in LINK.findall(path.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (path.parent / target).resolve().is_file(), f"{path.name} links to {target}"


def test_the_figures_in_the_inventory_are_those_of_the_code():
    text = " ".join(read("gegevensinventaris.md").split())
    figures = [
        f"standaard {config.MIN_ANSWERS_DEFAULT}, {CLASS_K[0]}–{CLASS_K[1]}",
        f"standaard {SCHOOL_K[0]}, {SCHOOL_K[0]}–{SCHOOL_K[1]}",
        f"standaard {DEFAULT_RETENTION_DAYS}, {RETENTION_DAYS[0]}–{RETENTION_DAYS[1]}",
        f"link werkt {INVITATION_LIFETIME.days} dagen",
        f"link werkt {int(RESET_LIFETIME.total_seconds() // 3600)} uur",
        f"vanzelf na {config.RUN_MAX_HOURS} uur",
        f"{config.RUN_PAUSED_MAX_DAYS} dagen na de pauze",
        f"hoogstens {config.OPEN_TEXT_MAX_LENGTH} tekens",
        f"na {config.SESSION_IDLE_MINUTES // 60} uur zonder gebruik",
        f"na {config.SESSION_ABSOLUTE_HOURS} uur",
        f"hoogstens de laatste {MAX_RUNS_REMEMBERED}",
    ]
    missing = [figure for figure in figures if figure not in text]
    assert missing == [], f"docs/privacy/gegevensinventaris.md no longer matches: {missing}"


def test_readme_security_and_the_privacy_page_point_to_the_pack(client):
    assert "(docs/privacy/README.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(privacy/README.md)" in claims("security.md")
    for language in ("nl", "en"):
        with client.session_transaction() as session:
            session["language"] = language
        page = client.get("/privacy").text
        assert "docs/privacy" in page, f"/privacy in {language} does not name the pack"


def test_the_privacy_page_states_the_lesson_limits_of_the_code(client):
    with client.session_transaction() as session:
        session["language"] = "en"
    page = " ".join(client.get("/privacy").text.split())
    assert "Each session of a lesson takes at most as many phones" in page
    assert f"{config.RUN_MAX_HOURS} hours after it started or went on" in page
    assert f"{config.RUN_PAUSED_MAX_DAYS} days after a pause" in page
