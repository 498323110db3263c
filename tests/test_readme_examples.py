"""The README's SQL and Python examples run against a built warehouse (the fixture build),
so the documentation cannot drift from the marts."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tests.support import ROOT, DbtResult

README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_query_examples() -> None:
    assert len(code_blocks("sql")) >= 2
    assert any("duckdb.connect" in block for block in code_blocks("python"))


@pytest.mark.parametrize("sql", code_blocks("sql"))
def test_sql_examples_run(sql: str, fixture_db: duckdb.DuckDBPyConnection) -> None:
    rows = fixture_db.execute(sql).fetchall()
    assert rows, f"README example returned no rows on the fixture:\n{sql}"


def test_python_example_runs(
    fixture_build: tuple[Path, DbtResult], capsys: pytest.CaptureFixture[str]
) -> None:
    (example,) = [block for block in code_blocks("python") if "duckdb.connect" in block]
    assert '"data/warehouse.duckdb"' in example
    exec(example.replace('"data/warehouse.duckdb"', repr(str(fixture_build[0]))), {})
    assert "avg_popularity" in capsys.readouterr().out
