"""Comparing a DuckDB-built warehouse with a Spark-built one, table by table (the Spark
parity test, tests/test_spark.py).

Both sides are read through DuckDB: the DuckDB file directly, the Spark tables from their
Parquet folders. Two tables are equal when they have the same columns, in the same order,
with the same types, and the same rows: every row on one side has its partner on the other
with the same values in every non-float column and doubles that agree to 9 significant
digits (relative difference at most 1e-9, or both below 1e-12 in size: the last-bit noise
of float sums added up in a different order). Rounding both sides to 9 digits instead would
fail on values that sit on a rounding boundary (a mean of 112.8291875 rounds to ...188 on
one engine and ...187 on the other).

Rows are paired on their non-float columns (duplicates in order of their floats), so the
difference counted is the symmetric difference of the two multisets of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from spotify_warehouse.sql import literal, quoted

#: Doubles agree when their relative difference is at most this (9 significant digits) ...
RELATIVE_TOLERANCE = 1e-9
#: ... or both are this close to zero (a correlation of 1e-17 against 0).
ABSOLUTE_TOLERANCE = 1e-12
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


def as_compared(column: str, data_type: str) -> str:
    """The column as compared: JSON as text (Spark has no JSON type), others as they are."""
    name = quoted(column)
    return f"cast({name} as varchar) as {name}" if data_type == "JSON" else name


def floats_agree(column: str) -> str:
    """SQL: the double column of the two sides (a, b) agrees."""
    a, b = f"a.{quoted(column)}", f"b.{quoted(column)}"
    return (
        f"(({a} is null and {b} is null) or (isnan({a}) and isnan({b})) or {a} = {b} "
        f"or abs({a} - {b}) <= {RELATIVE_TOLERANCE} * greatest(abs({a}), abs({b})) "
        f"or (abs({a}) < {ABSOLUTE_TOLERANCE} and abs({b}) < {ABSOLUTE_TOLERANCE}))"
    )


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
    keys = [column for column, kind in left if kind not in FLOAT_TYPES]
    floats = [column for column, kind in left if kind in FLOAT_TYPES]
    select = ", ".join(as_compared(column, kind) for column, kind in left)
    order = ", ".join(quoted(c) for c in floats) or "1"
    partition = f"partition by {', '.join(quoted(c) for c in keys)}" if keys else ""
    numbered = f"row_number() over ({partition} order by {order}) as _pair"
    paired = (
        f"with a as (select *, {numbered} from (select {select} from {duckdb_relation})), "
        f"b as (select *, {numbered} from (select {select} from {spark_relation})) "
        "select a._pair is not null as in_duckdb, b._pair is not null as in_spark, "
        + (" and ".join(floats_agree(c) for c in floats) or "true")
        + " as floats_agree, a, b from a full outer join b on a._pair = b._pair"
        + "".join(f" and a.{quoted(c)} is not distinct from b.{quoted(c)}" for c in keys)
    )
    unmatched = f"select * from ({paired}) where not (in_duckdb and in_spark and floats_agree)"
    only_a = con.execute(f"select count(*) from ({unmatched}) where in_duckdb").fetchone()
    only_b = con.execute(f"select count(*) from ({unmatched}) where in_spark").fetchone()
    examples = [
        f"duckdb {row[0]} / spark {row[1]}"
        for row in con.execute(f"select a, b from ({unmatched}) limit 4").fetchall()
    ]
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
