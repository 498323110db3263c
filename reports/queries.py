"""Running the SQL behind the report pages, and remembering which query fed which page.

Every number on a page comes from one of the files in `reports/sql/<page>/<name>.sql`, run
as written against the warehouse. The runner records each query it ran so the page can show
its SQL ("where does this number come from?"), and turns a missing table into an empty
result with a reason instead of a crash: a warehouse built without the ML stage still gets
its catalog reports, with "no data" where the models would be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from spotify_warehouse.text import first_line

SQL_DIR = Path(__file__).resolve().parent / "sql"

#: Warehouse schemas the report SQL may read (the dbt exposures declare the same models).
REPORTED_SCHEMAS = ("marts", "ml", "quality", "operations", "reference")
_TABLE_REFERENCE = re.compile(r"\b(" + "|".join(REPORTED_SCHEMAS) + r")\.([a-z_][a-z0-9_]*)\b")


class UnknownQueryError(KeyError):
    """A page asked for a query file that does not exist."""


@dataclass(frozen=True)
class QueryRun:
    """One query as a page ran it: its name, SQL, row count, and why it has no rows."""

    name: str
    sql: str
    row_count: int
    problem: str | None = None


def query_path(name: str) -> Path:
    """`genres/leaderboard` -> reports/sql/genres/leaderboard.sql."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise UnknownQueryError(f"no report query {name!r} (looked for {path})")
    return path


def query_sql(name: str) -> str:
    return query_path(name).read_text(encoding="utf-8")


def tables_read(sql: str) -> set[str]:
    """The warehouse tables (`schema.table`) a query reads, for the exposure check."""
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return {f"{schema}.{table}" for schema, table in _TABLE_REFERENCE.findall(without_comments)}


@dataclass
class QueryRunner:
    """Runs named report queries on one read-only connection and keeps a log per page."""

    connection: duckdb.DuckDBPyConnection
    runs: list[QueryRun] = field(default_factory=list)

    def __call__(self, name: str) -> pd.DataFrame:
        """The query's result; empty (with the reason logged) when a table is missing."""
        sql = query_sql(name)
        try:
            frame = self.connection.execute(sql).fetchdf()
        except duckdb.CatalogException as error:
            missing = ", ".join(sorted(tables_read(sql))) or "a table"
            problem = (
                f"not built yet: this query reads {missing}, and the warehouse lacks one of "
                f"them ({first_line(error)}). Run `make build` (or `dbt build`) first."
            )
            self.runs.append(QueryRun(name, sql, 0, problem))
            return pd.DataFrame()
        self.runs.append(QueryRun(name, sql, len(frame)))
        return frame

    def take_log(self) -> list[QueryRun]:
        """The queries run since the last call, for the page being rendered."""
        runs, self.runs = self.runs, []
        return runs

    def problem(self, name: str) -> str | None:
        """Why query `name` (already run for the current page) returned no rows, if known."""
        for run in reversed(self.runs):
            if run.name == name:
                return run.problem
        return None
