"""The documentation cannot drift from the project: the SQL examples of the README and the
docs/ pages, and the README's Python example, run against a built warehouse (the fixture
build); the README's quick-start commands and every `make` target the pages name exist; every
relative link between the pages (file and #heading) resolves."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tests.support import ROOT, DbtResult

README_PATH = ROOT / "README.md"
#: The pages whose examples and links are checked: the README (a map) and docs/ (the depth).
PAGES = [README_PATH, *sorted((ROOT / "docs").glob("*.md"))]
#: Pages the README and docs/ link to; their own links are checked too.
LINKED_PAGES = [ROOT / "data" / "README.md"]
README = README_PATH.read_text(encoding="utf-8")
QUICK_START = ["make", "make test"]

FENCE = re.compile(r"^```.*?^```", flags=re.DOTALL | re.MULTILINE)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def code_blocks(language: str, text: str = README) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def page_blocks(language: str) -> list[pytest.param]:
    """Every `language` block of every page, with an id naming its page and position."""
    return [
        pytest.param(block, id=f"{relative(page)}-{number}")
        for page in PAGES
        for number, block in enumerate(code_blocks(language, page.read_text(encoding="utf-8")), 1)
    ]


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {github_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


def relative_links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)
    return [
        target
        for target in LINK.findall(text)
        if not re.match(r"[a-z][a-z0-9+.-]*:", target)  # http:, https:, mailto: ...
    ]


def makefile_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):", makefile, flags=re.MULTILINE))


def test_readme_has_query_examples() -> None:
    assert len(page_blocks("sql")) >= 2
    assert any("duckdb.connect" in block for block in code_blocks("python"))


def test_docs_pages_exist() -> None:
    assert len(PAGES) > 1, "docs/ holds no page"
    assert (ROOT / "LICENSE").is_file()


@pytest.mark.parametrize("sql", page_blocks("sql"))
def test_sql_examples_run(sql: str, fixture_db: duckdb.DuckDBPyConnection) -> None:
    rows = fixture_db.execute(sql).fetchall()
    assert rows, f"documented example returned no rows on the fixture:\n{sql}"


def test_python_example_runs(
    fixture_build: tuple[Path, DbtResult], capsys: pytest.CaptureFixture[str]
) -> None:
    (example,) = [block for block in code_blocks("python") if "duckdb.connect" in block]
    assert '"data/warehouse.duckdb"' in example
    exec(example.replace('"data/warehouse.duckdb"', repr(str(fixture_build[0]))), {})
    assert "avg_popularity" in capsys.readouterr().out


def test_quick_start_commands() -> None:
    """The README's two commands, exactly, and what they run: the Makefile's default goal
    builds everything, `make test` runs pytest, and CI runs `make test`."""
    (block,) = [block for block in code_blocks("sh") if re.search(r"^make test\b", block, re.M)]
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == QUICK_START
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\.DEFAULT_GOAL := all$", makefile, flags=re.MULTILINE)
    assert re.search(r"^all: build reports$", makefile, flags=re.MULTILINE)
    assert re.search(r"^test:.*\n\t.*pytest", makefile, flags=re.MULTILINE)
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), flags=re.MULTILINE)


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_make_targets_exist(page: Path) -> None:
    """Every `make TARGET` written as code (an inline span or a line of a shell block)."""
    text = page.read_text(encoding="utf-8")
    named = set(re.findall(r"`make ([a-z][\w-]*)", text))
    for block in code_blocks("sh", text):
        named |= set(re.findall(r"^make ([a-z][\w-]*)", block, flags=re.MULTILINE))
    missing = named - makefile_targets()
    assert not missing, f"{relative(page)} names make targets the Makefile lacks: {sorted(missing)}"


@pytest.mark.parametrize("page", PAGES + LINKED_PAGES, ids=relative)
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading with that anchor in {relative(linked)}")
    assert not broken, f"{relative(page)}: " + "; ".join(broken)


def test_link_checker_sees_links() -> None:
    """Guard against a checker that passes because it found nothing to check."""
    links = relative_links(README_PATH)
    assert "LICENSE" in links and "docs/operations.md" in links
    assert github_anchor("Refresh in seconds: training runs are reused") == (
        "refresh-in-seconds-training-runs-are-reused"
    )
    assert github_anchor("Analysts: SQL on the marts") == "analysts-sql-on-the-marts"
