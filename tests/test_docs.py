"""README.md is the newcomer's page: short, with links that lead somewhere, a layer order the
imports keep and a route table that says where every route lives. The rest is in docs/."""

import ast
import re
from pathlib import Path

import pytest
from conftest import make_test_app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PACKAGE = ROOT / "classroom"
DOCUMENTS = [README, ROOT / "lessons" / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# The measure: a README a newcomer reads in five minutes.
MAX_README_LINES = 250
LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^()\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
INLINE_CODE = re.compile(r"(`+).+?\1", re.S)
CELL_NAME = re.compile(r"`([^`]+)`")
CONVERTER = re.compile(r"<[^>]*>")
MODULE_CELL = re.compile(r"`([^`]+)`(?: \(([A-Z, ]+)\))?")
REPO_PATH = re.compile(r"^(classroom|tests|docs|bench|lessons|scripts|migrations)/")
MADE_AT_RUN_TIME = {"bench/results"}


def prose(text: str) -> str:
    """The text without code blocks and inline code, where links and headings are not."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file, duplicates numbered."""
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", FENCE.sub("", path.read_text()), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        candidate, number = slug, 0
        while candidate in found:
            number += 1
            candidate = f"{slug}-{number}"
        found.add(candidate)
    return found


def section(title: str) -> str:
    """A section of README (any level) up to the next heading of its level or above."""
    text = FENCE.sub("", README.read_text())
    match = re.search(rf"^(#+) {re.escape(title)}$", text, re.M)
    assert match, f"README.md has no section '{title}'"
    end = re.compile(rf"^#{{1,{len(match.group(1))}}} ", re.M).search(text, match.end())
    return text[match.end() : end.start() if end else len(text)]


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the Markdown tables in a text, as lists of cells."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|\s*:?-", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows[1:] if rows else rows


def test_the_readme_is_read_in_five_minutes():
    lines = README.read_text().splitlines()
    assert len(lines) <= MAX_README_LINES, (
        f"README.md has {len(lines)} lines, at most {MAX_README_LINES}: move detail into docs/"
    )


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_its_heading(document):
    broken = []
    for target in LINK.findall(prose(document.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # https://, mailto: and the like
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with the anchor #{anchor}")
    assert broken == [], f"{document.relative_to(ROOT)} links to: {broken}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_path_a_document_names_is_there(document):
    named = [code.split()[0] for code in CELL_NAME.findall(FENCE.sub("", document.read_text()))]
    missing = [
        name
        for name in named
        if REPO_PATH.match(name)
        and not re.search(r"[<>…*\[\]]", name)
        and name.rstrip("/") not in MADE_AT_RUN_TIME
        and not (ROOT / name).exists()
    ]
    assert missing == [], f"{document.relative_to(ROOT)} names what is not there: {missing}"


def test_the_readme_links_every_document_in_docs():
    linked = {
        (README.parent / target.partition("#")[0]).resolve()
        for target in LINK.findall(prose(README.read_text()))
    }
    documents = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "docs" / "privacy" / "README.md"]
    missing = [str(path.relative_to(ROOT)) for path in documents if path not in linked]
    assert missing == [], f"README.md does not link: {missing}"


# The layer order -------------------------------------------------------------------------


def units() -> set[str]:
    """The parts of classroom/ the layers are made of: its packages and its plain modules."""
    packages = {f"{p.parent.name}/" for p in PACKAGE.glob("*/__init__.py")}
    modules = {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    return packages | modules


def unit_of(module: str) -> str | None:
    """The unit a dotted module name of classroom belongs to (None for the package itself)."""
    parts = module.split(".")
    if parts[0] != "classroom" or len(parts) == 1:
        return None
    return f"{parts[1]}/" if (PACKAGE / parts[1]).is_dir() else f"{parts[1]}.py"


def imported_units(unit: str) -> dict[str, str]:
    """The other units a unit imports at run time (not under TYPE_CHECKING), with a file each."""
    files = sorted((PACKAGE / unit).rglob("*.py")) if unit.endswith("/") else [PACKAGE / unit]
    files = [path for path in files if path.is_file()]  # a unit that is gone fails elsewhere
    found: dict[str, str] = {}
    for path in files:
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        package = dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]
        package = package.removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        typing_only = {
            id(node)
            for branch in ast.walk(tree)
            if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
            for statement in branch.body
            for node in ast.walk(statement)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parents, *([node.module] if node.module else [])])
                names = [f"{base}.{alias.name}" for alias in node.names]
                targets = names if base == "classroom" else [base]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for target in targets:
                other = unit_of(target)
                if other and other != unit:
                    found.setdefault(other, str(path.relative_to(ROOT)))
    return found


def readme_layers() -> list[tuple[int, list[str]]]:
    """The README's layers: their number and the packages and modules they hold."""
    rows = table_rows(section("Packages, in layer order"))
    return [(int(row[0]), CELL_NAME.findall(row[1])) for row in rows if row[0].isdigit()]


def test_the_readme_names_every_package_and_module_in_a_layer():
    named = [name for _layer, names in readme_layers() for name in names]
    assert sorted(set(named)) == sorted(named), "README.md names a unit in two layers"
    assert set(named) == units(), (
        f"README.md 'Packages, in layer order' lacks {sorted(units() - set(named))} "
        f"and names what classroom/ does not hold: {sorted(set(named) - units())}"
    )


def test_the_layer_order_of_the_readme_holds_without_exception():
    """A unit imports only units of lower layers; the bottom layer's modules may share."""
    layer_of = {name: layer for layer, names in readme_layers() for name in names}
    bottom = min(layer_of.values())
    wrong = []
    for unit, layer in layer_of.items():
        for other, path in imported_units(unit).items():
            below = layer_of.get(other, layer)
            if not (below < layer or layer == below == bottom):
                wrong.append(f"{path} (layer {layer}) imports {other} (layer {below})")
    assert wrong == [], "imports against the README's layer order:\n" + "\n".join(wrong)


# Where a route lives ---------------------------------------------------------------------


def readme_routes() -> list[tuple[str, str, list[tuple[str, set[str] | None]]]]:
    """Per README row and URL prefix (with `*` for each variable part): the blueprint, and the
    modules with the methods each serves (None: all of them)."""
    routes = []
    for row in table_rows(section("Which module serves a URL")):
        blueprint = CELL_NAME.findall(row[1])[0]
        modules = [
            (module, set(methods.split(", ")) if methods else None)
            for module, methods in MODULE_CELL.findall(row[2])
        ]
        for prefix in CELL_NAME.findall(row[0]):
            routes.append((CONVERTER.sub("*", prefix), blueprint, modules))
    return routes


def test_the_readme_says_where_every_route_lives():
    app = make_test_app()
    routes = readme_routes()
    wrong, used = [], set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = CONVERTER.sub("*", rule.rule)
        matches = [route for route in routes if url.startswith(route[0])]
        if not matches:
            wrong.append(f"{rule.rule}: no row")
            continue
        prefix, blueprint, modules = max(matches, key=lambda route: len(route[0]))
        methods = rule.methods - {"HEAD", "OPTIONS"}
        said = [module for module, only in modules if only is None or methods <= only]
        actual = app.view_functions[rule.endpoint].__module__.replace(".", "/") + ".py"
        used.add((prefix, actual))
        if rule.endpoint.rpartition(".")[0] != blueprint or actual not in said:
            readme = f"README says {blueprint} in {said}"
            wrong.append(f"{rule.rule} {sorted(methods)}: {rule.endpoint} in {actual}, {readme}")
    unused = [
        f"{prefix} {module}"
        for prefix, _blueprint, modules in routes
        for module, _only in modules
        if (prefix, module) not in used
    ]
    assert wrong == [], "README.md 'Which module serves a URL' is wrong for:\n" + "\n".join(wrong)
    assert unused == [], f"README.md names a prefix or module that serves no route: {unused}"
