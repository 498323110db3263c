"""The same project on Apache Spark (docs/spark.md): the fixture's portable layers built by
dbt-spark in a local session equal the DuckDB build row for row, and the ML layer and the
report site run from the Spark-built marts.

One Spark build per session (the spark_fixture_build fixture); the DuckDB side is the
session's ordinary fixture build. Without Java the fixture fails these tests, never skips.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from reports.build import build_site
from spotify_warehouse import spark
from spotify_warehouse.sql import literal
from tests.spark_parity import TableDifference, compare_table
from tests.support import FIXTURE_VARS, ROOT, DbtResult, run_dbt, run_module, scalar

pytestmark = pytest.mark.spark

SparkBuild = tuple[Path, Path, DbtResult]


def spark_folders(spark_dir: Path, schema: str) -> dict[str, Path]:
    return {t.table: t.folder for t in spark.spark_tables(spark_dir, [schema])}


def compare_schema(duckdb_file: Path, spark_dir: Path, schema: str) -> list[TableDifference]:
    """Every table of `schema` on both sides; a table on one side only is a difference."""
    with duckdb.connect() as con:
        con.execute(f"attach {literal(str(duckdb_file))} as built (read_only)")
        duckdb_tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'built' and table_schema = ?",
                [schema],
            ).fetchall()
        }
        folders = spark_folders(spark_dir, schema)
        assert sorted(duckdb_tables) == sorted(folders), (schema, duckdb_tables, folders)
        return [
            compare_table(con, f"built.{schema}.{name}", folders[name], f"{schema}.{name}")
            for name in sorted(folders)
        ]


def describe(differences: list[TableDifference]) -> str:
    return "\n".join(
        f"{d.table}: columns {d.columns}, rows duckdb/spark {d.row_counts}, "
        f"only duckdb {d.rows_only_duckdb}, only spark {d.rows_only_spark}, e.g. {d.examples}"
        for d in differences
        if not d.equal
    )


def test_every_model_and_data_test_passes_on_spark(spark_fixture_build: SparkBuild) -> None:
    _, workdir, _ = spark_fixture_build
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    statuses = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        statuses.setdefault(kind, set()).add(result["status"])
    assert statuses["model"] == {"success"}
    assert statuses["seed"] == {"success"}
    assert statuses["test"] == {"pass"}
    assert statuses["unit_test"] == {"pass"}
    tests = sum(r["unique_id"].startswith("test.") for r in results)
    assert tests > 250, tests


def test_every_mart_equals_the_duckdb_build(
    spark_fixture_build: SparkBuild, duckdb_parity_build: Path
) -> None:
    differences = compare_schema(duckdb_parity_build, spark_fixture_build[0], "marts")
    marts = sorted((ROOT / "dbt_project" / "models" / "marts").glob("*.sql"))
    assert len(differences) == len(marts) > 10
    assert all(d.equal for d in differences), describe(differences)
    assert all(d.row_counts[0] > 0 for d in differences)


def test_quality_intermediate_and_reference_tables_equal_the_duckdb_build(
    spark_fixture_build: SparkBuild, duckdb_parity_build: Path
) -> None:
    """Quarantine keys, reasons and details, the reconciliation of every raw line, every
    intermediate step, and the seeds (whose descriptions hold apostrophes that dbt-spark's
    own seed loader would break on)."""
    differences = []
    for schema in ("quality", "intermediate", "reference"):
        differences += compare_schema(duckdb_parity_build, spark_fixture_build[0], schema)
    assert len(differences) == 11
    assert {d.table for d in differences} >= {
        "quality.quarantined_rows",
        "quality.quarantine_reasons",
        "quality.source_reconciliation",
        "reference.quality_rules",
    }
    assert all(d.equal for d in differences), describe(differences)


def test_spark_quarantines_malformed_lines_as_duckdb_words_them(
    spark_fixture_build: SparkBuild,
) -> None:
    """The parity inputs' odd lines (tests/conftest.py, PARITY_INCOMING_LINES): Spark's CSV
    reader would pad the short line with NULLs and read a quoted comma as a delimiter; the
    raw view quarantines and parses them as the DuckDB loader does (the parity tests
    compare them row for row), and every line is accounted for."""
    folders = spark_folders(spark_fixture_build[0], "quality")
    with duckdb.connect() as con:
        details = dict(
            con.execute(
                "select source_row_number, malformed_detail from read_parquet(?) "
                "where source_file = 'odd_lines.csv' and malformed_detail is not null",
                [str(folders["quarantined_rows"] / "*.parquet")],
            ).fetchall()
        )
        reconciled = con.execute(
            "select bool_and(data_lines = raw_rows and raw_rows = accepted_rows + "
            "quarantined_rows and unaccounted_rows = 0 and double_counted_rows = 0), "
            "sum(malformed_lines) from read_parquet(?)",
            [str(folders["source_reconciliation"] / "*.parquet")],
        ).fetchone()
    assert details == {
        2: "expected 16 fields, found 6",
        3: "expected 16 fields, found 17",
        4: "unterminated quoted field",
        5: "text after a closing quote",
        6: "blank line",
        7: "NUL byte at position 10",
    }
    assert reconciled == (True, 6)


def test_ml_and_reports_run_from_the_spark_built_marts(
    spark_fixture_build: SparkBuild,
    fixture_build: tuple[Path, DbtResult],
    tmp_path: Path,
) -> None:
    """Import the Spark tables into a new DuckDB file, train and publish there, write the
    site, then publish the ml tables back to Spark: the whole path of docs/spark.md."""
    spark_dir = spark_fixture_build[0]
    warehouse = tmp_path / "from_spark.duckdb"
    imported = run_module(
        "spotify_warehouse.spark",
        "import",
        "--spark-dir",
        str(spark_dir),
        "--warehouse",
        str(warehouse),
    )
    assert imported.returncode == 0, imported.stderr

    result = run_dbt(["build", "--selector", "after_portable"], tmp_path, warehouse, FIXTURE_VARS)
    assert result.ok, result.output[-5000:]

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert scalar(con, "select count(*) from ml.model_metrics") > 0
        con.execute(f"attach {literal(str(fixture_build[0]))} as duck (read_only)")
        # Same marts in, same models out: training sorts its input by track id.
        changed = scalar(
            con,
            "select count(*) from ("
            "select task, scenario, model, metric, statistic, fold, round(value, 9) "
            "from ml.model_metrics except all "
            "select task, scenario, model, metric, statistic, fold, round(value, 9) "
            "from duck.ml.model_metrics)",
        )
    assert changed == 0

    site = build_site(warehouse, tmp_path / "site")
    assert (tmp_path / "site" / "index.html").is_file()
    assert len(site.pages) > 5

    published = run_module(
        "spotify_warehouse.spark",
        "publish",
        "--spark-dir",
        str(spark_dir),
        "--warehouse",
        str(warehouse),
    )
    assert published.returncode == 0, published.stdout + published.stderr
    # The registration read each table back through Spark.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = scalar(con, "select count(*) from ml.model_metrics")
        tables = scalar(
            con,
            "select count(*) from information_schema.tables "
            "where table_schema = 'ml' and table_type = 'BASE TABLE'",
        )
    assert f"registered ml.model_metrics: {expected} rows" in published.stdout
    assert published.stdout.count("registered ml.") == tables
