"""Moving tables between the Spark warehouse and the DuckDB one (docs/spark.md).

`dbt build --target spark --selector portable` builds seeds, staging, intermediate, quality
and marts on Spark, as Parquet tables under the Spark warehouse folder
(``<SPOTIFY_SPARK_DIR>/warehouse/<schema>.db/<table>/``). The ML layer (scikit-learn, one
machine) and the report site read DuckDB. Two steps join them, both plain file operations:

- ``import``: every table of the portable schemas is read from its Parquet folder into a
  DuckDB warehouse file (created if missing), replacing a table of the same name. Then
  ``dbt build --selector after_portable`` trains, builds discovery and publishes the ml
  tables there, and ``python -m reports build`` writes the site from it.
- ``publish``: the tables of the ml schema are written back as Parquet under
  ``<SPOTIFY_SPARK_DIR>/published/ml/<table>/`` and registered on Spark as external tables
  ``ml.<table>`` (``dbt run-operation register_published_tables --target spark``), so Spark
  users query the predictions beside the marts.

Nothing here starts a JVM: DuckDB reads and writes the Parquet files. Views (staging) are not
files and are not imported; nothing downstream of the marts reads them.

    python -m spotify_warehouse.spark import [--spark-dir DIR] [--warehouse FILE]
    python -m spotify_warehouse.spark publish [--spark-dir DIR] [--warehouse FILE] [--no-register]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from spotify_warehouse.commands import dbt_executable
from spotify_warehouse.sql import literal, quoted
from spotify_warehouse.text import first_line
from spotify_warehouse.warehouse import warehouse_path

SPARK_DIR_ENV_VAR = "SPOTIFY_SPARK_DIR"
DEFAULT_SPARK_DIR = Path("data/spark")
#: The schemas the portable selector writes as tables on Spark, which the ML layer and the
#: reports read (staging is views only).
PORTABLE_SCHEMAS = ("reference", "intermediate", "quality", "marts")
#: The repository root, where dbt finds dbt_project.yml and profiles.yml.
PROJECT = Path(__file__).resolve().parents[1]
#: The schema the ML layer publishes, written back to Spark by `publish`.
PUBLISHED_SCHEMA = "ml"


class SparkTablesError(RuntimeError):
    """The Spark warehouse folder does not hold what a step needs; the message says what."""


@dataclass(frozen=True)
class TableFiles:
    """One table's Parquet folder."""

    schema: str
    table: str
    folder: Path

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


def spark_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The Spark folder as profiles.yml resolves it: explicit, else SPOTIFY_SPARK_DIR, else
    data/spark."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get(SPARK_DIR_ENV_VAR, DEFAULT_SPARK_DIR))


def spark_tables(folder: Path, schemas: Sequence[str] = PORTABLE_SCHEMAS) -> list[TableFiles]:
    """The Parquet tables of `schemas` in the Spark warehouse under `folder`, sorted.

    A managed Spark table is the folder warehouse/<schema>.db/<table>/ of part-*.parquet
    files; a folder without Parquet files (a table Spark never wrote) is an error.
    """
    warehouse = folder / "warehouse"
    if not warehouse.is_dir():
        raise SparkTablesError(
            f"{warehouse}: no Spark warehouse here; build it first with "
            "`dbt build --target spark --selector portable` (docs/spark.md)"
        )
    found = []
    for schema in schemas:
        schema_folder = warehouse / f"{schema}.db"
        if not schema_folder.is_dir():
            raise SparkTablesError(
                f"{schema_folder}: schema {schema} was not built on Spark; "
                "run `dbt build --target spark --selector portable`"
            )
        for table_folder in sorted(p for p in schema_folder.iterdir() if p.is_dir()):
            if not any(table_folder.glob("*.parquet")):
                raise SparkTablesError(f"{table_folder}: no Parquet files (not a finished table)")
            found.append(TableFiles(schema, table_folder.name, table_folder))
    return found


def import_spark_tables(
    folder: Path, warehouse: Path, schemas: Sequence[str] = PORTABLE_SCHEMAS
) -> list[tuple[str, int]]:
    """Copy every Spark table of `schemas` into the DuckDB file `warehouse`, in one
    transaction (all tables or none). Returns (schema.table, rows) per table."""
    tables = spark_tables(folder, schemas)
    copied = []
    with duckdb.connect(str(warehouse)) as con:
        con.execute("begin transaction")
        for schema in sorted({t.schema for t in tables}):
            con.execute(f"create schema if not exists {quoted(schema)}")
        for table in tables:
            files = literal(str(table.folder / "*.parquet"))
            target = f"{quoted(table.schema)}.{quoted(table.table)}"
            con.execute(f"create or replace table {target} as select * from read_parquet({files})")
            rows = con.execute(f"select count(*) from {target}").fetchone()
            copied.append((table.name, int(rows[0]) if rows else 0))
        con.execute("commit")
    return copied


def publish_tables(
    warehouse: Path, folder: Path, schema: str = PUBLISHED_SCHEMA
) -> list[tuple[str, Path]]:
    """Write every table of `schema` in the DuckDB file as Parquet under
    <folder>/published/<schema>/<table>/data.parquet. Returns (table, its folder)."""
    target = folder / "published" / schema
    written = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
                [schema],
            ).fetchall()
        ]
        if not names:
            raise SparkTablesError(f"{warehouse}: no tables in schema {schema} to publish")
        for name in names:
            table_folder = target / name
            table_folder.mkdir(parents=True, exist_ok=True)
            for old in table_folder.glob("*.parquet"):
                old.unlink()
            source = f"{quoted(schema)}.{quoted(name)}"
            destination = literal(str(table_folder / "data.parquet"))
            con.execute(f"copy (select * from {source}) to {destination} (format parquet)")
            written.append((name, table_folder))
    return written


def register_on_spark(
    schema: str, tables: list[tuple[str, Path]], folder: Path, dbt: str, project: Path = PROJECT
) -> list[str]:
    """Register the published folders as external tables on the Spark target, through
    dbt's Spark connection (the macro register_published_tables), in the metastore of the
    Spark folder `folder` (the profile reads SPOTIFY_SPARK_DIR). Returns the macro's
    lines "registered <schema>.<table>: <n> rows", read back through Spark."""
    args = {
        "schema": schema,
        "tables": {name: str(path.resolve()) for name, path in tables},
    }
    command = [
        dbt,
        "run-operation",
        "register_published_tables",
        "--target",
        "spark",
        "--args",
        _yaml_flow(args),
    ]
    env = {**os.environ, SPARK_DIR_ENV_VAR: str(folder.resolve())}
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise SparkTablesError(f"registering the tables on Spark failed:\n{tail}")
    return re.findall(r"registered \S+: \d+ rows", done.stdout)


def _yaml_flow(value: object) -> str:
    """A dict/str value as YAML flow text (JSON is YAML)."""
    return json.dumps(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spotify_warehouse.spark", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("step", choices=["import", "publish"])
    parser.add_argument(
        "--spark-dir", help="the Spark folder (default: $SPOTIFY_SPARK_DIR, else data/spark)"
    )
    parser.add_argument(
        "--warehouse",
        help="the DuckDB file (default: $SPOTIFY_WAREHOUSE_PATH or data/warehouse.duckdb)",
    )
    parser.add_argument(
        "--no-register",
        action="store_true",
        help="publish: write the Parquet files only, do not register them on Spark",
    )
    options = parser.parse_args(argv)
    folder = spark_dir(options.spark_dir)
    warehouse = warehouse_path(options.warehouse)
    try:
        if options.step == "import":
            copied = import_spark_tables(folder, warehouse)
            rows = sum(count for _, count in copied)
            print(f"Imported {len(copied)} Spark tables ({rows:,} rows) from {folder}")
            print(f"into {warehouse}")
        else:
            written = publish_tables(warehouse, folder)
            published = folder / "published"
            print(f"Wrote {len(written)} {PUBLISHED_SCHEMA} tables as Parquet under {published}")
            if not options.no_register:
                for line in register_on_spark(PUBLISHED_SCHEMA, written, folder, dbt_executable()):
                    print(f"  {line}")
                print(f"Registered them on Spark as {PUBLISHED_SCHEMA}.<table>")
    except (SparkTablesError, duckdb.Error) as error:
        print(
            f"error: {first_line(str(error)) if isinstance(error, duckdb.Error) else error}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
