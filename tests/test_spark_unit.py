"""Unit tests of the Spark side, without a JVM: the line-splitting grammar of the Spark raw
view against the DuckDB loader, and the Parquet import/publish of spotify_warehouse.spark.

The Spark raw view (dbt_project/macros/adapters/raw_lines_spark.sql) splits lines with a
regular expression in Spark SQL; `spark_split` below applies the very pattern text of the
macro file, with the same decisions in the same order, in Python (Java's and Python's regex
engines agree on this pattern: alternation, classes and possessive-free quantifiers only).
The property test feeds it the corrupted files of the DuckDB loader's own property test and
requires the same verdict for every line: the same fields, or malformed on both sides.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models_ml.raw_csv import MAX_FIELD_CHARS, parse_line
from spotify_warehouse import spark
from tests.test_raw_csv_unit import corrupt_file, corruptions, split_data_lines, valid_csv

pytestmark = pytest.mark.unit

MACROS = Path(__file__).resolve().parents[1] / "dbt_project" / "macros" / "adapters"


def field_pattern() -> str:
    """The body of the csv_field_pattern macro, with the SQL literal's \\r as a CR."""
    source = (MACROS / "raw_lines_spark.sql").read_text()
    body = re.search(r"macro csv_field_pattern\(\) -%\}\s*(.*?)\s*\{%- endmacro", source, re.S)
    assert body is not None
    return body.group(1).replace("\\r", "\r")


FIELD = field_pattern()


def spark_split(line: bytes, width: int) -> list[str] | None:
    """The Spark view's verdict on one line: its fields, or None when malformed."""
    text = line.decode("utf-8", "replace")  # Spark's text source replaces bad bytes
    if text.endswith("\r"):
        text = text[:-1]
    if "\ufffd" in text or "\x00" in text or re.fullmatch(r"\s*", text):
        return None
    if '"' in text or "\r" in text:
        if re.fullmatch(f"{FIELD}(?:,{FIELD})*", text) is None:
            return None
        fields = [
            found[1:-1].replace('""', '"') if found.startswith('"') else found
            for found in re.findall(f"(?:^|,)({FIELD})", text)
        ]
    else:
        fields = text.split(",")
    if any(len(field) > MAX_FIELD_CHARS for field in fields) or len(fields) != width:
        return None
    return fields


def test_the_pattern_splits_like_the_loader() -> None:
    assert spark_split(b'1,"a,b",,"say ""hi""",x"y', 5) == ["1", "a,b", "", 'say "hi"', 'x"y']
    assert spark_split(b",a", 2) == ["", "a"]
    assert spark_split(b"a,", 2) == ["a", ""]
    assert spark_split(b'"a"b,c', 2) is None  # text after a closing quote
    assert spark_split(b'a,"b', 2) is None  # unterminated
    assert spark_split(b"a,b,c", 2) is None  # too many fields
    assert spark_split(b"a", 2) is None  # too few: Spark's CSV reader would pad it
    assert spark_split(b"a,\xff", 2) is None
    assert spark_split(b"   ", 2) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), base=valid_csv())
def test_spark_judges_every_corrupted_line_as_the_duckdb_loader(
    data: st.DataObject, base: tuple[bytes, list[bytes], int]
) -> None:
    header, lines, width = base
    changes = data.draw(corruptions(len(lines), max_size=6), label="corruptions")
    content = corrupt_file(header, lines, changes, bom=False, final_newline=True)
    for line in split_data_lines(content):
        duckdb_fields, _ = parse_line(line, width)
        assert spark_split(line, width) == duckdb_fields, line


def write_parquet_table(folder: Path, rows: int) -> None:
    folder.mkdir(parents=True)
    (folder / "_SUCCESS").write_text("")
    with duckdb.connect() as con:
        con.execute(
            f"copy (select range as id, 'x' || range as name from range({rows})) "
            f"to '{folder / 'part-00000.parquet'}' (format parquet)"
        )


def spark_warehouse(root: Path) -> Path:
    """A Spark folder as dbt-spark leaves it: warehouse/<schema>.db/<table>/part-*.parquet."""
    for schema, tables in {
        "reference": ["moods"],
        "intermediate": ["int_a"],
        "quality": ["quarantined_rows"],
        "marts": ["dim_tracks", "fct_track_features"],
    }.items():
        for index, table in enumerate(tables):
            write_parquet_table(root / "warehouse" / f"{schema}.db" / table, rows=3 + index)
    (root / "warehouse" / "staging.db").mkdir()  # views only: never read
    return root


def test_import_copies_every_portable_table(tmp_path: Path) -> None:
    folder = spark_warehouse(tmp_path / "spark")
    warehouse = tmp_path / "w.duckdb"
    copied = spark.import_spark_tables(folder, warehouse)
    assert copied == [
        ("reference.moods", 3),
        ("intermediate.int_a", 3),
        ("quality.quarantined_rows", 3),
        ("marts.dim_tracks", 3),
        ("marts.fct_track_features", 4),
    ]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select sum(id) from marts.fct_track_features").fetchone() == (6,)
    # Importing again replaces the tables (a new Spark build), it does not append.
    spark.import_spark_tables(folder, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_tracks").fetchone() == (3,)


def test_import_errors_name_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(spark.SparkTablesError, match="no Spark warehouse here"):
        spark.spark_tables(tmp_path / "nothing")
    folder = spark_warehouse(tmp_path / "spark")
    with pytest.raises(spark.SparkTablesError, match="schema ml was not built on Spark"):
        spark.spark_tables(folder, ["ml"])
    (folder / "warehouse" / "marts.db" / "half_written").mkdir()
    with pytest.raises(spark.SparkTablesError, match="half_written: no Parquet files"):
        spark.spark_tables(folder)


def test_publish_writes_the_ml_tables_as_parquet(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema ml")
        con.execute("create table ml.model_metrics as select 1 as fold, 0.5 as value")
        con.execute("create table ml.track_clusters as select 'a' as track_id, ['x'] as tags")
        con.execute("create view ml.not_a_table as select 1 as x")
    written = spark.publish_tables(warehouse, tmp_path / "spark")
    assert [name for name, _ in written] == ["model_metrics", "track_clusters"]
    with duckdb.connect() as con:
        folder = written[1][1]
        assert con.execute(f"select * from '{folder}/*.parquet'").fetchall() == [("a", ["x"])]


def test_the_command_line_fails_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = spark.main(["import", "--spark-dir", str(tmp_path), "--warehouse", str(tmp_path / "w")])
    assert code == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "no Spark warehouse here" in error


@pytest.fixture
def two_sides(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A DuckDB table d.main.t and a Spark-style Parquet folder of the same rows."""
    folder = tmp_path / "t"
    folder.mkdir()
    con = duckdb.connect()
    con.execute(f"attach '{tmp_path / 'd.duckdb'}' as d")
    con.execute(
        "create table d.main.t as select k, n, cast(x as double) as x from (values "
        "('a', 1, 112.8291875), ('a', 1, 2.0), ('b', 2, 0.0), ('c', 3, null)) as v(k, n, x)"
    )
    return con, folder


def spark_side(con: duckdb.DuckDBPyConnection, folder: Path, sql: str) -> None:
    con.execute(f"copy ({sql}) to '{folder / 'part-0.parquet'}' (format parquet)")


def test_parity_tolerates_float_noise_only(
    two_sides: tuple[duckdb.DuckDBPyConnection, Path],
) -> None:
    from tests.spark_parity import compare_table

    con, folder = two_sides
    # The last-bit noise of a different summation order: equal, in any row order.
    spark_side(
        con,
        folder,
        "select k, n, case when x = 0 then 1e-17 else x * (1 + 1e-14) end::double as x "
        "from d.main.t order by k desc",
    )
    assert compare_table(con, "d.main.t", folder, "t").equal
    # A real difference in a double, a key, a missing or duplicated row: not equal.
    for changed in [
        "select k, n, case when x = 2.0 then 2.000001 else x end::double as x from d.main.t",
        "select case when k = 'b' then 'B' else k end as k, n, x from d.main.t",
        "select * from d.main.t where k <> 'c'",
        "select * from d.main.t union all select * from d.main.t where k = 'b'",
    ]:
        spark_side(con, folder, changed)
        difference = compare_table(con, "d.main.t", folder, "t")
        assert not difference.equal and difference.examples, changed
    # Another type or column order: reported as column differences.
    spark_side(con, folder, "select k, cast(n as varchar) as n, x from d.main.t")
    assert compare_table(con, "d.main.t", folder, "t").columns == [
        "n: duckdb INTEGER, spark VARCHAR"
    ]
    spark_side(con, folder, "select n, k, x from d.main.t")
    assert compare_table(con, "d.main.t", folder, "t").columns == ["column order differs"]
