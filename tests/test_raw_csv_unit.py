"""Unit tests of the raw-file reader (models_ml/raw_csv.py), without dbt.

One test per edge case its docstring documents, and a property test: a small valid CSV with
random corruptions applied to random lines is read with every line accounted for, numbered
as in the file, and judged exactly as Python's csv module (strict, one line = one record)
judges it.

The corruption model (`Corruption`, `corrupt_file`, `split_data_lines`, `expected_fields`)
is shared with tests/test_malformed_lines_build.py, which applies it to the fixture files
and builds them with dbt.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from models_ml import raw_csv
from models_ml.raw_csv import (
    CHUNK_LINES,
    LINE_COLUMNS,
    MAX_FIELD_CHARS,
    RAW_LINE_CHARS,
    RawFileError,
    header_problem,
    open_raw_file,
    parse_line,
    read_records,
)

pytestmark = pytest.mark.unit

BOM = b"\xef\xbb\xbf"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def read(tmp_path: Path, data: bytes, name: str = "file.csv") -> pd.DataFrame:
    """The records of a file holding `data`."""
    return read_records(str(write(tmp_path / name, data)))


def fields_of(frame: pd.DataFrame, row: int) -> list[object]:
    """The header columns of one record (0-based row of the frame)."""
    return list(frame.drop(columns=list(LINE_COLUMNS)).iloc[row])


def is_null(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def assert_malformed(frame: pd.DataFrame, row: int, detail: str, raw_line: str) -> None:
    record = frame.iloc[row]
    assert record["malformed_detail"] == detail
    assert record["raw_line"] == raw_line
    values = fields_of(frame, row)
    assert values, "the header has columns"
    assert all(is_null(value) for value in values), values


def assert_parsed(frame: pd.DataFrame, row: int, fields: list[str]) -> None:
    record = frame.iloc[row]
    assert is_null(record["malformed_detail"]), record["malformed_detail"]
    assert is_null(record["raw_line"]), record["raw_line"]
    assert fields_of(frame, row) == fields


# --- Line endings, BOM, numbering ----------------------------------------------------------


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    frame = read(tmp_path, BOM + b"a,b\n1,2\n")
    assert list(frame.columns) == [*LINE_COLUMNS, "a", "b"]
    assert_parsed(frame, 0, ["1", "2"])


def test_bom_only_counts_at_the_start_of_the_file(tmp_path: Path) -> None:
    """A BOM in a data line is text (the zero-width no-break space), not dropped."""
    frame = read(tmp_path, b"a,b\n" + BOM + b"1,2\n")
    assert_parsed(frame, 0, ["\ufeff1", "2"])


def test_crlf_line_endings(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b\r\n1,2\r\n3,4\r\n")
    assert list(frame.columns)[-2:] == ["a", "b"]
    assert len(frame) == 2
    assert_parsed(frame, 0, ["1", "2"])
    assert_parsed(frame, 1, ["3", "4"])


def test_mixed_line_endings(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b\r\n1,2\n3,4\r\n5,6")
    assert [fields_of(frame, row) for row in range(3)] == [["1", "2"], ["3", "4"], ["5", "6"]]


def test_carriage_returns_at_the_end_of_a_line(tmp_path: Path) -> None:
    """The reader drops the CR of a CRLF; Python's csv module ends the record at any further
    CR at the end of the line (as it does for the one CR of a CRLF), so CR CR LF is read
    as a line end too. A CR with text after it is a malformed line."""
    frame = read(tmp_path, b"a,b\n1,2\r\r\n3,4\r\r\r\n5,\r6\r\n")
    assert_parsed(frame, 0, ["1", "2"])
    assert_parsed(frame, 1, ["3", "4"])
    assert_malformed(frame, 2, "carriage return inside an unquoted field", "5,\r6")


def test_final_line_without_newline(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b\n1,2\n3,4")
    assert len(frame) == 2
    assert_parsed(frame, 1, ["3", "4"])
    assert list(frame["source_row_number"]) == [1, 2]
    assert list(frame["source_line_number"]) == [2, 3]


def test_header_only_file_has_no_records(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b\n")
    assert len(frame) == 0
    assert list(frame.columns) == [*LINE_COLUMNS, "a", "b"]


def test_row_and_line_numbers_never_shift_after_a_malformed_line(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b\n1,2\nbroken\n\n5,6\n")
    assert list(frame["source_file"]) == ["file.csv"] * 4
    assert list(frame["source_row_number"]) == [1, 2, 3, 4]
    assert list(frame["source_line_number"]) == [2, 3, 4, 5]
    assert frame["source_row_number"].dtype == "int64"
    assert frame["source_line_number"].dtype == "int64"
    assert_malformed(frame, 1, "expected 2 fields, found 1", "broken")
    assert_malformed(frame, 2, "blank line", "")
    assert_parsed(frame, 3, ["5", "6"])


# --- Malformed lines -----------------------------------------------------------------------


def test_latin1_bytes(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b\n1,caf\xe9\n2,ok\n")
    assert_malformed(frame, 0, "not valid UTF-8 (byte 0xe9 at position 6)", "1,caf\\xe9")
    assert_parsed(frame, 1, ["2", "ok"])


def test_invalid_utf8_is_reported_at_its_byte_position(tmp_path: Path) -> None:
    """A valid multi-byte character before the bad byte counts as its bytes."""
    frame = read(tmp_path, "a,b\n\u00e9,".encode() + b"\xff\n")
    assert_malformed(frame, 0, "not valid UTF-8 (byte 0xff at position 4)", "\u00e9,\\xff")


def test_nul_byte(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b\n1,x\x00y\n")
    assert_malformed(frame, 0, "NUL byte at position 4", "1,x\x00y")


def test_very_long_field(tmp_path: Path) -> None:
    longest = "x" * MAX_FIELD_CHARS
    too_long = "y" * (MAX_FIELD_CHARS + 1)
    lines = [
        f"1,{longest}",
        f'2,"{longest}"',
        f"3,{too_long}",
        f'4,"{too_long}"',
    ]
    frame = read(tmp_path, ("a,b\n" + "\n".join(lines) + "\n").encode())
    assert_parsed(frame, 0, ["1", longest])
    assert_parsed(frame, 1, ["2", longest])
    detail = "a field is longer than 131,072 characters"
    assert_malformed(frame, 2, detail, lines[2][:RAW_LINE_CHARS])
    assert_malformed(frame, 3, detail, lines[3][:RAW_LINE_CHARS])
    assert len(frame.iloc[2]["raw_line"]) == RAW_LINE_CHARS == 1_000


def test_raw_line_of_a_long_line_of_invalid_bytes_is_cut(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b\n" + b"\xff" * 5_000 + b"\n")
    assert_malformed(
        frame, 0, "not valid UTF-8 (byte 0xff at position 1)", ("\\xff" * 5_000)[:1_000]
    )


def test_blank_line(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b\n1,2\n\n  \t\n3,4\n")
    assert len(frame) == 4
    assert_malformed(frame, 1, "blank line", "")
    assert_malformed(frame, 2, "blank line", "  \t")
    assert_parsed(frame, 3, ["3", "4"])
    assert frame.iloc[3]["source_line_number"] == 5


def test_line_of_empty_fields_is_a_record(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b,c\n,,\n")
    assert_parsed(frame, 0, ["", "", ""])


def test_unterminated_quote(tmp_path: Path) -> None:
    frame = read(tmp_path, b'a,b\n1,"open\n2,"closed"\n')
    assert_malformed(frame, 0, "unterminated quoted field", '1,"open')
    assert_parsed(frame, 1, ["2", "closed"])


def test_text_after_closing_quote(tmp_path: Path) -> None:
    frame = read(tmp_path, b'a,b\n1,"closed"after\n2,"closed" \n')
    assert_malformed(frame, 0, "text after a closing quote", '1,"closed"after')
    assert_malformed(frame, 1, "text after a closing quote", '2,"closed" ')


def test_carriage_return_inside_a_line(tmp_path: Path) -> None:
    frame = read(tmp_path, b'a,b\n1,x\ry\n2,"x\ry"\n')
    assert_malformed(frame, 0, "carriage return inside an unquoted field", "1,x\ry")
    # Inside quotes a CR is part of the value, as in Python's csv module.
    assert_parsed(frame, 1, ["2", "x\ry"])


def test_too_few_fields(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b,c\n1,2\n")
    assert_malformed(frame, 0, "expected 3 fields, found 2", "1,2")


def test_too_many_fields(tmp_path: Path) -> None:
    frame = read(tmp_path, b'a,b,c\n1,2,3,4\n1,"2,3",4\n')
    assert_malformed(frame, 0, "expected 3 fields, found 4", "1,2,3,4")
    # A comma inside quotes does not count.
    assert_parsed(frame, 1, ["1", "2,3", "4"])


def test_quoted_field_with_comma_and_escaped_quote(tmp_path: Path) -> None:
    frame = read(tmp_path, b'a,b,c\nx,"a, ""b""",y\n"",""""," c "\n')
    assert_parsed(frame, 0, ["x", 'a, "b"', "y"])
    assert_parsed(frame, 1, ["", '"', " c "])


def test_values_are_kept_as_text_untrimmed(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b\n 073 , NA\n")
    assert_parsed(frame, 0, [" 073 ", " NA"])


def test_quote_inside_an_unquoted_field_is_text(tmp_path: Path) -> None:
    """As Python's csv module reads it (RFC 4180 would not allow it): documented here."""
    frame = read(tmp_path, b'a,b\n1,5" vinyl\n')
    assert_parsed(frame, 0, ["1", '5" vinyl'])


# --- Files ---------------------------------------------------------------------------------


def test_gzip_detected_by_content(tmp_path: Path) -> None:
    compressed = gzip.compress(b"a,b\n1,2\n")
    frame = read(tmp_path, compressed, name="plain-name.csv")
    assert_parsed(frame, 0, ["1", "2"])
    # ... and a .gz name holding plain text is read as text.
    frame = read(tmp_path, b"a,b\n3,4\n", name="not-compressed.csv.gz")
    assert_parsed(frame, 0, ["3", "4"])


def test_truncated_gzip_error_message(tmp_path: Path) -> None:
    compressed = gzip.compress(b"a,b\n" + b"1,2\n" * 1_000)
    path = write(tmp_path / "cut.csv.gz", compressed[: len(compressed) // 2])
    expected = f"{path}: not a complete GZIP file, the download may be cut short ("
    with pytest.raises(RawFileError) as error:
        read_records(str(path))
    assert str(error.value).startswith(expected), str(error.value)
    problem = header_problem(str(path), ["a"])
    assert problem is not None and problem.startswith(expected), problem


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.csv"
    with pytest.raises(RawFileError, match=r"absent\.csv: file not found"):
        read_records(str(path))
    assert header_problem(str(path), ["a"]) == f"{path}: file not found"


@pytest.mark.parametrize("data", [b"", BOM, b"\n", b"\r\n", b"  \n", gzip.compress(b"")])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "empty.csv", data)
    assert header_problem(str(path), ["a"]) == f"{path}: file is empty"
    with pytest.raises(RawFileError, match="file is empty"):
        open_raw_file(path)


def test_binary_file(tmp_path: Path) -> None:
    path = write(tmp_path / "binary.csv", bytes(range(256)) * 40)
    problem = header_problem(str(path), ["a"])
    assert problem == (
        f"{path}: not a comma-separated CSV file (its first line, the header, is not "
        "readable: NUL byte at position 1)"
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        # A header in Latin-1 (e.g. an export from Excel on Windows).
        ("n\u00b0,track_id\n1,x\n".encode("latin-1"), "not valid UTF-8 (byte 0xb0 at position 2)"),
        # UTF-16 with its byte-order mark.
        ("track_id,tempo\n1,2\n".encode("utf-16"), "not valid UTF-8 (byte 0xff at position 1)"),
        # Lines ended by CR only (classic Mac OS): one line, CRs inside it.
        (b"track_id,tempo\r1,2\r3,4\r", "carriage return inside an unquoted field"),
        (b'track_id,"tempo\n1,2\n', "unterminated quoted field"),
    ],
    ids=["latin1", "utf16", "cr-only", "unterminated-quote"],
)
def test_unreadable_header(tmp_path: Path, data: bytes, problem: str) -> None:
    path = write(tmp_path / "header.csv", data)
    assert header_problem(str(path), ["track_id"]) == (
        f"{path}: not a comma-separated CSV file (its first line, the header, is not "
        f"readable: {problem})"
    )


def test_single_column_is_not_a_csv(tmp_path: Path) -> None:
    path = write(tmp_path / "one.csv", b"track_id\nabc\n")
    assert header_problem(str(path), ["track_id"]) == (
        f"{path}: not a comma-separated CSV file (its first line holds no comma-separated header)"
    )


def test_header_missing_a_column(tmp_path: Path) -> None:
    path = write(tmp_path / "tracks.csv", b"track_id, tempo ,energy\n")
    assert header_problem(str(path), ["track_id", "tempo", "energy"]) is None
    assert header_problem(str(path), None) is None
    assert header_problem(str(path), ["track_id", "key"]) == (
        f"{path}: column 'key' missing from the header"
    )
    assert header_problem(str(path), ["mode", "track_id", "key"]) == (
        f"{path}: columns 'mode', 'key' missing from the header"
    )


def test_header_names_trimmed_and_unnamed_columns_numbered(tmp_path: Path) -> None:
    """The tracks file's first column has no name; DuckDB called it column00."""
    header = "," + ",".join(f"c{i}" for i in range(1, 21))
    frame = read(tmp_path, f"{header}\n".encode())
    assert list(frame.columns)[len(LINE_COLUMNS) :][:2] == ["column00", "c1"]
    frame = read(tmp_path, b" a , b ,\n1,2,3\n")
    assert list(frame.columns)[len(LINE_COLUMNS) :] == ["a", "b", "column2"]


def test_repeated_header_name_keeps_the_first_column(tmp_path: Path) -> None:
    frame = read(tmp_path, b"a,b,a\n1,2,3\n")
    assert list(frame.columns)[len(LINE_COLUMNS) :] == ["a", "b"]
    assert_parsed(frame, 0, ["1", "2"])


@pytest.mark.parametrize("name", LINE_COLUMNS)
def test_reserved_header_names(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / "reserved.csv", f"track_id,{name}\n1,2\n".encode())
    message = f"{path}: the header uses reserved column names ['{name}']"
    assert header_problem(str(path), ["track_id"]) == message
    with pytest.raises(RawFileError) as error:
        read_records(str(path))
    assert str(error.value) == message


def test_read_records_glob_of_files_with_different_columns(tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    write(folder / "b.csv", b"track_id,tempo,mode\nb1,120,1\nbroken\n")
    write(folder / "a.csv", BOM + b"track_id,tempo,energy\r\na1,90,0.5\r\n")
    write(folder / "notes.txt", b"not matched\n")
    frame = read_records(str(folder / "*.csv"), optional=True)
    assert list(frame.columns) == [*LINE_COLUMNS, "track_id", "tempo", "energy", "mode"]
    # Files in name order, each numbered from 1.
    assert list(frame["source_file"]) == ["a.csv", "b.csv", "b.csv"]
    assert list(frame["source_row_number"]) == [1, 1, 2]
    assert list(frame["source_line_number"]) == [2, 2, 3]
    values = frame[["track_id", "tempo", "energy", "mode"]].astype(object)
    values = values.where(values.notna(), None).to_numpy().tolist()
    assert values == [
        ["a1", "90", "0.5", None],
        ["b1", "120", None, "1"],
        [None, None, None, None],
    ]
    assert [None if is_null(v) else v for v in frame["malformed_detail"]] == [
        None,
        None,
        "expected 3 fields, found 1",
    ]


def test_read_records_empty_glob(tmp_path: Path) -> None:
    frame = read_records(str(tmp_path / "nothing-here" / "*.csv"), optional=True)
    assert list(frame.columns) == list(LINE_COLUMNS)
    assert len(frame) == 0
    assert frame["source_row_number"].dtype == "int64"
    assert frame["source_line_number"].dtype == "int64"


def test_glob_with_a_bad_file_fails(tmp_path: Path) -> None:
    write(tmp_path / "good.csv", b"a,b\n1,2\n")
    write(tmp_path / "z-empty.csv", b"")
    with pytest.raises(RawFileError, match=r"z-empty\.csv: file is empty"):
        read_records(str(tmp_path / "*.csv"), optional=True)


def test_not_optional_pattern_is_a_path(tmp_path: Path) -> None:
    """Without optional_file the configured name is one file, not a glob."""
    write(tmp_path / "a.csv", b"a,b\n1,2\n")
    with pytest.raises(RawFileError, match="file not found"):
        read_records(str(tmp_path / "*.csv"))


def test_expand_glob_reads_every_match_numbered_per_file(tmp_path: Path) -> None:
    """A glob for a required source (tracks_file: dataset-*.csv): every match, in name order,
    each row with its own file and its position in that file, as the incoming folder."""
    write(tmp_path / "part-1.csv", b"a,b\n1,2\nbroken\n3,4\n")
    write(tmp_path / "part-0.csv", gzip.compress(b"a,b\n5,6\n"))
    write(tmp_path / "other.csv", b"a,b\n7,8\n")
    frame = read_records(str(tmp_path / "part-*.csv"), expand_glob=True)
    assert list(frame["source_file"]) == ["part-0.csv", "part-1.csv", "part-1.csv", "part-1.csv"]
    assert list(frame["source_row_number"]) == [1, 1, 2, 3]
    assert list(frame["source_line_number"]) == [2, 2, 3, 4]
    assert_parsed(frame, 0, ["5", "6"])
    assert_malformed(frame, 2, "expected 2 fields, found 1", "broken")
    assert_parsed(frame, 3, ["3", "4"])
    assert frame["source_row_number"].dtype == "int64"


def test_expand_glob_of_one_path_and_of_no_match(tmp_path: Path) -> None:
    path = write(tmp_path / "only.csv", b"a,b\n1,2\n")
    assert list(read_records(str(path), expand_glob=True)["a"]) == ["1"]
    # A file whose name holds glob characters is read as it is named.
    literal = write(tmp_path / "export[1].csv", b"a,b\n3,4\n")
    assert list(read_records(str(literal), expand_glob=True)["a"]) == ["3"]
    # No match: the error of a missing file, naming the pattern.
    pattern = str(tmp_path / "none-*.csv")
    with pytest.raises(RawFileError) as error:
        read_records(pattern, expand_glob=True)
    assert str(error.value) == f"{pattern}: file not found"


def test_expand_glob_with_a_bad_file_fails_naming_it(tmp_path: Path) -> None:
    write(tmp_path / "part-0.csv", b"a,b\n1,2\n")
    bad = write(tmp_path / "part-1.csv", b"")
    with pytest.raises(RawFileError) as error:
        read_records(str(tmp_path / "part-*.csv"), expand_glob=True)
    assert str(error.value) == f"{bad}: file is empty"


def test_matching_files(tmp_path: Path) -> None:
    for name in ("b.csv", "a.csv", "c.txt"):
        write(tmp_path / name, b"a,b\n")
    pattern = str(tmp_path / "*.csv")
    matches = [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    assert raw_csv.matching_files(pattern) == [pattern]
    assert raw_csv.matching_files(pattern, optional=True) == matches
    assert raw_csv.matching_files(pattern, expand_glob=True) == matches
    empty = str(tmp_path / "*.tsv")
    assert raw_csv.matching_files(empty, optional=True) == []
    assert raw_csv.matching_files(empty, expand_glob=True) == [empty]


# --- The dbt-duckdb plugin -----------------------------------------------------------------


def make_plugin() -> raw_csv.Plugin:
    from dbt.adapters.duckdb.plugins import BasePlugin

    plugin = BasePlugin.create("models_ml.raw_csv", alias="raw_csv")
    assert isinstance(plugin, raw_csv.Plugin)
    return plugin


def test_plugin_load_and_errors(tmp_path: Path) -> None:
    plugin = make_plugin()
    path = write(tmp_path / "t.csv", b"a,b\n1,2\nx\n")
    frame = plugin.load({"raw_file": str(path)})
    assert len(frame) == 2
    assert frame.iloc[1]["malformed_detail"] == "expected 2 fields, found 1"
    empty = plugin.load({"raw_file": str(tmp_path / "none" / "*.csv"), "optional_file": True})
    assert len(empty) == 0
    # A required source's path may be a glob: every match is read.
    write(tmp_path / "u.csv", b"a,b\n3,4\n")
    both = plugin.load({"raw_file": str(tmp_path / "[tu].csv")})
    assert list(both["source_file"]) == ["t.csv", "t.csv", "u.csv"]
    assert list(both["source_row_number"]) == [1, 2, 1]
    with pytest.raises(RuntimeError) as error:
        plugin.load({"raw_file": str(tmp_path / "missing.csv")})
    assert str(error.value) == f"{tmp_path / 'missing.csv'}: file not found"


def test_plugin_sql_function_and_raw_schema(tmp_path: Path) -> None:
    plugin = make_plugin()
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        plugin.configure_connection(connection)
        good = write(tmp_path / "good.csv", b"track_id,tempo\n1,2\n")
        problem = connection.execute(
            "select raw_csv_problem(?, ['track_id', 'tempo']), "
            "raw_csv_problem(?, ['track_id', 'key']), "
            "raw_csv_problem(?, ['track_id'])",
            [str(good), str(good), str(tmp_path / "missing.csv")],
        ).fetchone()
        assert problem == (
            None,
            f"{good}: column 'key' missing from the header",
            f"{tmp_path / 'missing.csv'}: file not found",
        )
        # The raw schema exists before dbt loads two sources on two threads (which would
        # otherwise both create it: "Catalog write-write conflict on create with raw").
        schemas = connection.execute(
            "select count(*) from information_schema.schemata where schema_name = 'raw'"
        ).fetchone()
        assert schemas == (1,)
    finally:
        connection.close()


# --- Streaming: chunks, Parquet, the plugin's relation --------------------------------------


LINE_BYTES = st.lists(
    st.sampled_from([b"a", b",", b'"', b"\n", b"\r", b"\r\n", b" ", BOM, b"\xe9", b"\x00"]),
    max_size=40,
).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=LINE_BYTES, compressed=st.booleans())
def test_streamed_lines_equal_the_split_file(
    property_dir: Path, data: bytes, compressed: bool
) -> None:
    """The stream reader gives the lines, header and errors of reading the file at once."""
    path = write(property_dir / "stream.csv", gzip.compress(data) if compressed else data)
    assert list(raw_csv._stream_lines(path, io.BytesIO(data), False)) == raw_csv.split_lines(data)
    try:
        whole = open_raw_file(path)
    except RawFileError as error:
        with pytest.raises(RawFileError) as streamed, raw_csv.stream_raw_file(path) as (_, rest):
            list(rest)
        assert str(streamed.value) == str(error)
        return
    with raw_csv.stream_raw_file(path) as (header, lines):
        assert header == whole.header
        assert list(lines) == whole.lines


def test_stream_of_a_truncated_gzip_fails_at_the_cut(tmp_path: Path) -> None:
    compressed = gzip.compress(b"a,b\n" + b"1,2\n" * 1_000)
    path = write(tmp_path / "cut.csv.gz", compressed[: len(compressed) // 2])
    with pytest.raises(RawFileError) as error, raw_csv.stream_raw_file(path) as (header, lines):
        assert header == ["a", "b"]
        list(lines)
    assert str(error.value).startswith(f"{path}: not a complete GZIP file")


def test_record_chunks_concatenate_to_read_records(tmp_path: Path) -> None:
    write(tmp_path / "a.csv", b"x,y\n1,2\nbroken\n3,4\n\n5,6\n")
    write(tmp_path / "b.csv", b"x,z\n")  # header only: one empty frame, for its columns
    write(tmp_path / "c.csv", b"z,x\n7,8\n")
    pattern = str(tmp_path / "*.csv")
    chunks = list(raw_csv.record_chunks(pattern, optional=True, chunk_lines=2))
    assert [len(chunk) for chunk in chunks] == [2, 2, 1, 0, 1]
    assert list(chunks[1]["source_row_number"]) == [3, 4]
    assert list(chunks[1]["source_line_number"]) == [4, 5]
    joined = pd.concat(chunks, ignore_index=True, sort=False)
    pd.testing.assert_frame_equal(joined, read_records(pattern, optional=True))
    assert list(joined.columns) == [*LINE_COLUMNS, "x", "y", "z"]
    # A file of exactly chunk_lines lines ends without an empty frame.
    write(tmp_path / "d.csv", b"x,y\n1,2\n3,4\n")
    assert [len(c) for c in raw_csv.record_chunks(str(tmp_path / "d.csv"), chunk_lines=2)] == [2]


def described_rows(
    connection: duckdb.DuckDBPyConnection, relation: str
) -> tuple[list[tuple], list[tuple]]:
    """A relation's columns with their types, and its rows in order."""
    columns = connection.execute(f"select column_name, column_type from (describe {relation})")
    return columns.fetchall(), connection.execute(f"select * from {relation}").fetchall()


@pytest.mark.parametrize("chunk_lines", [1, 2, CHUNK_LINES])
def test_parquet_chunks_read_back_as_the_frame(tmp_path: Path, chunk_lines: int) -> None:
    """Read back (as the plugin's relation reads them), the Parquet chunks are the frame the
    plugin would have handed over whole: same columns in the same order, same types (text
    VARCHAR even where a chunk has no value, row numbers BIGINT), same rows in order."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    write(folder / "b.csv", b"track_id,tempo,mode\nb1,120,1\nbroken\nb3,,\n")
    write(folder / "a.csv", BOM + b"track_id,tempo,energy\r\na1,90,0.5\r\n")
    write(folder / "c.csv", b"track_id,valence\n")
    pattern = str(folder / "*.csv")
    scratch = tmp_path / "parts"
    scratch.mkdir()
    parts = raw_csv.write_parquet_chunks(pattern, scratch, optional=True, chunk_lines=chunk_lines)
    assert parts == sorted(parts) and all(Path(part).parent == scratch for part in parts)
    with duckdb.connect() as connection:
        connection.register("whole", raw_csv.as_text(read_records(pattern, optional=True)))
        connection.execute(
            f"create view parts as select * from read_parquet({parts!r}, union_by_name = true)"
        )
        assert described_rows(connection, "parts") == described_rows(connection, "whole")
        types = dict(described_rows(connection, "parts")[0])
    assert types["source_row_number"] == "BIGINT" and types["valence"] == "VARCHAR"


def test_parquet_chunks_of_no_file(tmp_path: Path) -> None:
    parts = raw_csv.write_parquet_chunks(str(tmp_path / "none" / "*.csv"), tmp_path, optional=True)
    with duckdb.connect() as connection:
        connection.register("whole", raw_csv.as_text(raw_csv.empty_records()))
        connection.execute(f"create view parts as select * from read_parquet({parts!r})")
        assert described_rows(connection, "parts") == described_rows(connection, "whole")
        assert connection.execute("select count(*) from parts").fetchone() == (0,)


def load_as_dbt_duckdb_does(
    plugin: raw_csv.Plugin, connection: duckdb.DuckDBPyConnection, config: dict, table: str
) -> None:
    """dbt-duckdb's LocalEnvironment.load_source: register what load returns on a new cursor,
    create the table from it, close the cursor."""
    cursor = connection.cursor()
    loaded = plugin.load(config)
    cursor.register(f"{table}_df", loaded)
    cursor.execute(f"create or replace table raw.{table} as select * from {table}_df")
    cursor.close()


def test_plugin_load_streams_through_parquet_into_the_same_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(raw_csv.tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(raw_csv, "CHUNK_LINES", 2)
    lines = [b"a,b", b"1,2", b"x", b'"3",4', b"5,\xe9", b"", b"7,8", b"9,10"]
    write(tmp_path / "t.csv.gz", gzip.compress(b"\n".join(lines) + b"\n"))
    write(tmp_path / "u.csv", b"a,c\n11,12\n")
    config = {"raw_file": str(tmp_path / "[tu].csv*")}
    plugin = make_plugin()
    frame = plugin.load(config)  # no connection yet: the whole frame
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        plugin.configure_connection(connection)
        load_as_dbt_duckdb_does(plugin, connection, config, "streamed")
        assert list(scratch.iterdir()) == [], "the Parquet chunks are removed after the load"
        connection.register("frame", frame)
        streamed = described_rows(connection, "raw.streamed")
        assert streamed == described_rows(connection, "frame")
        assert [row[:4] for row in streamed[1]][:3] == [
            ("t.csv.gz", 1, 2, None),
            ("t.csv.gz", 2, 3, "expected 2 fields, found 1"),
            ("t.csv.gz", 3, 4, None),
        ]
        assert len(streamed[1]) == 8

        # An empty incoming folder: the line columns, no row.
        empty = {"raw_file": str(tmp_path / "none" / "*.csv"), "optional_file": True}
        load_as_dbt_duckdb_does(plugin, connection, empty, "empty")
        assert connection.execute("select count(*) from raw.empty").fetchone() == (0,)
        assert [name for name, _ in described_rows(connection, "raw.empty")[0]] == list(
            LINE_COLUMNS
        )

        # Errors read as before, and leave no chunk behind.
        with pytest.raises(RuntimeError) as error:
            plugin.load({"raw_file": str(tmp_path / "missing.csv")})
        assert str(error.value) == f"{tmp_path / 'missing.csv'}: file not found"
        compressed = gzip.compress(b"a,b\n" + b"1,2\n" * 1_000)
        cut = write(tmp_path / "cut.csv.gz", compressed[: len(compressed) // 2])
        with pytest.raises(RuntimeError) as error:
            plugin.load({"raw_file": str(cut)})
        assert str(error.value).startswith(f"{cut}: not a complete GZIP file")
        assert list(scratch.iterdir()) == []
    finally:
        connection.close()


def test_parse_line_without_expected_width() -> None:
    assert parse_line(b"a,b,c") == (["a", "b", "c"], None)
    assert parse_line(b"a,b,c", 3) == (["a", "b", "c"], None)
    assert parse_line(b"a,b,c", 2) == (None, "expected 2 fields, found 3")


# --- Property: random corruptions of a valid file ------------------------------------------

#: Bytes that are never valid UTF-8 where they are inserted (or make the text around invalid).
INVALID_BYTES = (b"\xff", b"\xfe", b"\xe9", b"\xc3", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80")
KINDS = (
    "delete_delimiter",
    "add_delimiter",
    "cut_short",
    "insert_quote",
    "insert_invalid_bytes",
    "crlf",
    "insert_nul",
    "insert_cr",
)


@dataclass(frozen=True)
class Corruption:
    """One change to one data line (0-based); `where` in [0, 1] places it in the line."""

    line: int
    kind: str
    where: float
    invalid: bytes = b"\xff"


def corrupt(line: bytes, corruption: Corruption) -> bytes:
    """The line's content after the corruption (its terminator is handled by corrupt_file)."""
    at = min(int(corruption.where * (len(line) + 1)), len(line))
    kind = corruption.kind
    if kind == "delete_delimiter":
        commas = [index for index, byte in enumerate(line) if byte == ord(",")]
        if not commas:
            return line
        index = commas[min(int(corruption.where * len(commas)), len(commas) - 1)]
        return line[:index] + line[index + 1 :]
    if kind == "cut_short":
        return line[: min(int(corruption.where * len(line)), len(line))]
    inserted = {
        "add_delimiter": b",",
        "insert_quote": b'"',
        "insert_invalid_bytes": corruption.invalid,
        "insert_nul": b"\x00",
        "insert_cr": b"\r",
        "crlf": b"",
    }[kind]
    return line[:at] + inserted + line[at:]


def corrupt_lines(
    lines: Sequence[bytes], corruptions: Sequence[Corruption]
) -> tuple[list[bytes], list[bytes]]:
    """Each line's content and line ending after the corruptions."""
    contents = list(lines)
    endings = [b"\n"] * len(contents)
    for corruption in corruptions:
        if corruption.kind == "crlf":
            endings[corruption.line] = b"\r\n"
        else:
            contents[corruption.line] = corrupt(contents[corruption.line], corruption)
    return contents, endings


def corrupt_file(
    header: bytes,
    lines: Sequence[bytes],
    corruptions: Sequence[Corruption],
    *,
    bom: bool = False,
    final_newline: bool = True,
) -> bytes:
    """The file's bytes: header and data lines (LF-terminated) with the corruptions applied."""
    contents, endings = corrupt_lines(lines, corruptions)
    if not final_newline and endings:
        endings[-1] = b""
    body = b"".join(content + ending for content, ending in zip(contents, endings, strict=True))
    return (BOM if bom else b"") + header + b"\n" + body


def split_data_lines(data: bytes) -> list[bytes]:
    """The data lines of a file, as the reader's spec defines lines (written independently):
    BOM dropped, split at LF, one CR before the LF dropped, no empty line after the last LF,
    header excluded."""
    if data[:3] == BOM:
        data = data[3:]
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines = lines[:-1]
    lines = [line.removesuffix(b"\r") for line in lines]
    return lines[1:]


def expected_fields(line: bytes, width: int) -> list[str] | None:
    """The fields Python's csv module (strict) reads from one line, or None when the line is
    not a record of `width` fields: not UTF-8, a NUL, blank, a csv error, a field too long."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text or not text.strip():
        return None
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error:
        return None
    if len(rows) != 1 or len(rows[0]) != width:
        return None
    if any(len(field) > MAX_FIELD_CHARS for field in rows[0]):
        return None
    return rows[0]


def corruptions(line_count: int, max_size: int) -> st.SearchStrategy[list[Corruption]]:
    return st.lists(
        st.builds(
            Corruption,
            line=st.integers(0, line_count - 1),
            kind=st.sampled_from(KINDS),
            where=st.floats(0, 1),
            invalid=st.sampled_from(INVALID_BYTES),
        ),
        max_size=max_size,
    )


def random_corruptions(rng: random.Random, line_count: int, count: int) -> list[Corruption]:
    """`count` corruptions of distinct random lines (for the dbt builds)."""
    return [
        Corruption(line, rng.choice(KINDS), rng.random(), rng.choice(INVALID_BYTES))
        for line in rng.sample(range(line_count), count)
    ]


FIELD_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 ,\";.-_'\t\u00e9\u00df\u4e2d\U0001f600\u2028")),
    max_size=8,
)


@st.composite
def valid_csv(draw: st.DrawFn) -> tuple[bytes, list[bytes], int]:
    """A header of 2-5 columns and 1-15 data lines, written by csv.writer (no newlines in
    values), so every line is a valid record."""
    width = draw(st.integers(2, 5))
    rows = draw(
        st.lists(st.lists(FIELD_TEXT, min_size=width, max_size=width), min_size=1, max_size=15)
    )

    def render(fields: list[str]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(fields)
        return buffer.getvalue().encode("utf-8")

    header = render([f"c{index}" for index in range(width)])
    return header, [render(row) for row in rows], width


@pytest.fixture(scope="module")
def property_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("raw_csv_property")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), base=valid_csv(), bom=st.booleans(), final_newline=st.booleans())
def test_every_line_of_a_corrupted_file_is_accounted_for(
    property_dir: Path,
    data: st.DataObject,
    base: tuple[bytes, list[bytes], int],
    bom: bool,
    final_newline: bool,
) -> None:
    header, lines, width = base
    changes = data.draw(corruptions(len(lines), max_size=6), label="corruptions")
    content = corrupt_file(header, lines, changes, bom=bom, final_newline=final_newline)
    path = write(property_dir / "corrupted.csv", content)

    frame = read_records(str(path))
    file_lines = split_data_lines(content)

    # Every data line is one record, numbered as in the file.
    assert len(frame) == len(file_lines)
    assert list(frame["source_row_number"]) == list(range(1, len(file_lines) + 1))
    assert list(frame["source_line_number"]) == list(range(2, len(file_lines) + 2))
    assert list(frame.columns) == [*LINE_COLUMNS, *(f"c{index}" for index in range(width))]
    # Only an empty last line without its newline is no line (the file ends with a LF).
    contents, _ = corrupt_lines(lines, changes)
    vanished = not final_newline and contents[-1] == b""
    assert len(file_lines) == len(lines) - vanished

    outcomes = set()
    for row, line in enumerate(file_lines):
        record = frame.iloc[row]
        values = fields_of(frame, row)
        expected = expected_fields(line, width)
        unchanged = row < len(lines) and line == lines[row]
        outcomes.add(
            "unchanged" if unchanged else "malformed" if expected is None else "changed, parses"
        )
        if unchanged:
            # An unchanged line (a CRLF ending changes no content) reads as before.
            assert expected is not None
            assert values == expected == next(csv.reader([lines[row].decode()]))
        if expected is not None:
            assert is_null(record["malformed_detail"]) and is_null(record["raw_line"])
            assert values == expected
        else:
            assert isinstance(record["malformed_detail"], str) and record["malformed_detail"]
            assert record["raw_line"] == line.decode("utf-8", "backslashreplace")[:RAW_LINE_CHARS]
            assert all(is_null(value) for value in values)
    for outcome in sorted(outcomes):
        event(f"has a line: {outcome}")


def test_corruption_model() -> None:
    """The corruptions do what their names say (so the property test tests something)."""
    line = b"ab,cd,ef"
    assert corrupt(line, Corruption(0, "delete_delimiter", 0.0)) == b"abcd,ef"
    assert corrupt(line, Corruption(0, "delete_delimiter", 1.0)) == b"ab,cdef"
    assert corrupt(line, Corruption(0, "add_delimiter", 0.0)) == b",ab,cd,ef"
    assert corrupt(line, Corruption(0, "cut_short", 0.5)) == b"ab,c"
    assert corrupt(line, Corruption(0, "insert_quote", 1.0)) == b'ab,cd,ef"'
    assert corrupt(line, Corruption(0, "insert_invalid_bytes", 0.4, b"\xe9")) == b"ab,\xe9cd,ef"
    assert corrupt(line, Corruption(0, "insert_nul", 0.0)) == b"\x00ab,cd,ef"
    content = corrupt_file(b"h1,h2", [b"1,2", b"3,4"], [Corruption(0, "crlf", 0.3)])
    assert content == b"h1,h2\n1,2\r\n3,4\n"
    assert split_data_lines(content) == [b"1,2", b"3,4"]
    assert split_data_lines(BOM + b"h\r\n\r\nx") == [b"", b"x"]
    assert expected_fields(b'1,"a,b"', 2) == ["1", "a,b"]
    assert expected_fields(b'1,"a', 2) is None
    assert expected_fields(b"1,\xff", 2) is None
