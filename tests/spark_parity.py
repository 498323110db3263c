"""Comparing a DuckDB-built warehouse with a Spark-built one, table by table (the Spark
parity test, tests/test_spark.py).

Both sides are read through DuckDB: the DuckDB file directly, the Spark tables from their
Parquet folders. Two tables are equal when they have the same columns, in the same order,
with the same types, and the same rows as a multiset (EXCEPT ALL both ways is empty) after
doubles are rounded to DOUBLE_DIGITS significant digits, which absorbs the last-bit
differences of float sums added up in a different order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from spotify_warehouse.spark import literal, quoted

#: Significant digits kept of every double before rows are compared.
DOUBLE_DIGITS = 9
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}


@dataclass(frozen=True)
class TableDifference:
    """What differs between the two sides of one table (empty lists when nothing)."""

    table: str
    columns: list[str]
    rows_only_duckdb: int
    rows_only_spark: int
    row_counts: tuple[int, int]
    examples: list[str]

    @property
    def equal(self) -> bool:
        return not self.columns and self.rows_only_duckdb == 0 and self.rows_only_spark == 0


def rounded(column: str, data_type: str) -> str:
    """The column as compared: doubles to DOUBLE_DIGITS significant digits, JSON as text."""
    name = quoted(column)
    if data_type in FLOAT_TYPES:
        return (
            f"case when {name} is null or {name} = 0 or not isfinite({name}) then {name} "
            f"else round({name}, {DOUBLE_DIGITS - 1} - cast(floor(log10(abs({name}))) as integer)) "
            f"end as {name}"
        )
    if data_type == "JSON":
        return f"cast({name} as varchar) as {name}"
    return name


def column_types(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, type) of every column of a relation, in order; JSON counts as VARCHAR (Spark
    has no JSON type: the raw values are text there)."""
    described = con.execute(f"describe select * from {relation}").fetchall()
    return [(name, "VARCHAR" if kind == "JSON" else kind) for name, kind, *_ in described]


def compare_table(
    con: duckdb.DuckDBPyConnection, duckdb_relation: str, spark_folder: Path, name: str
) -> TableDifference:
    """Compare one table: `duckdb_relation` (schema.table of an attached DuckDB file) with the
    Spark table stored in `spark_folder`."""
    spark_relation = f"read_parquet({literal(str(spark_folder / '*.parquet'))})"
    left = column_types(con, duckdb_relation)
    right = column_types(con, spark_relation)
    columns = [
        f"{column}: duckdb {dict(left).get(column, '-')}, spark {dict(right).get(column, '-')}"
        for column in dict.fromkeys([c for c, _ in left] + [c for c, _ in right])
        if dict(left).get(column) != dict(right).get(column)
    ]
    if [c for c, _ in left] != [c for c, _ in right] and not columns:
        columns = ["column order differs"]
    if columns:
        return TableDifference(name, columns, 0, 0, (0, 0), [])
    select = ", ".join(rounded(column, kind) for column, kind in left)
    a = f"(select {select} from {duckdb_relation})"
    b = f"(select {select} from {spark_relation})"
    only_a = con.execute(f"select count(*) from ({a} except all {b})").fetchone()
    only_b = con.execute(f"select count(*) from ({b} except all {a})").fetchone()
    examples = [
        f"duckdb only: {row}" for row in con.execute(f"{a} except all {b} limit 3").fetchall()
    ] + [f"spark only: {row}" for row in con.execute(f"{b} except all {a} limit 3").fetchall()]
    counts = (
        con.execute(f"select count(*) from {duckdb_relation}").fetchone(),
        con.execute(f"select count(*) from {spark_relation}").fetchone(),
    )
    return TableDifference(
        name,
        [],
        int(only_a[0]) if only_a else -1,
        int(only_b[0]) if only_b else -1,
        (int(counts[0][0]) if counts[0] else -1, int(counts[1][0]) if counts[1] else -1),
        examples,
    )
