"""Reading raw CSV exports so that every line of a file is accounted for.

The warehouse reads its raw files (the tracks file, the playlist file, every incoming CSV)
through this module, as a dbt-duckdb plugin (`Plugin` below, configured in profiles.yml):
each source table becomes `raw.<table>`, one row per data line of the file, before staging
types anything. DuckDB's own CSV reader is fast, but with a malformed line it either sniffs a
different column layout for the whole file or skips the line, and it cannot hand back a line
that is not UTF-8; so the lines are split here, in Python, under rules that are written down
and never guessed:

- Dialect: comma delimiter, double-quote quoting with `""` as the escaped quote (RFC 4180),
  no escape character, the first line is the header. Nothing is sniffed.
- A line ends at LF; a CR before the LF (CRLF) is dropped; a UTF-8 byte-order mark at the
  start of the file is dropped; a last line without a newline is a line. One line is one
  record: a quoted field never spans lines (no export this project reads has one).
- A data line becomes a record when it is UTF-8 text without NUL bytes, parses as one CSV
  record (Python's csv module with strict=True: no unterminated quote, nothing after a
  closing quote, no field over MAX_FIELD_CHARS; a quote inside an unquoted field is kept as
  a character, as csv does) and has as many fields as the header. Positions in the details
  count bytes from 1. Any other line is kept as a
  *malformed* row: its fields are NULL, `malformed_detail` says what was wrong ("expected
  21 fields, found 6") and `raw_line` holds its text (cut to RAW_LINE_CHARS).
- `source_row_number` is the line's position among the data lines (header excluded) and
  `source_line_number` its line in the file (header = line 1), so numbers never shift
  after a malformed line.

Files may be gzip-compressed (detected by their magic bytes, whatever the name). A source's
path may be a glob: every file it matches is read, in name order, each row keeping its own
file name and its numbers within that file. Files are read as streams and the plugin hands
its rows to DuckDB a chunk at a time (through Parquet files in a temporary folder), so the
memory does not grow with the files (Plugin.load).
The on-run-start hook calls `header_problem` through the SQL function raw_csv_problem(),
so the header is judged by exactly the reader staging uses.
"""

from __future__ import annotations

import csv
import glob
import gzip
import itertools
import os
import shutil
import tempfile
import weakref
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from spotify_warehouse.sql import literal

#: Python's csv limit on one field; a longer field makes the line malformed.
MAX_FIELD_CHARS = 131_072
#: How much of a malformed line the quarantine keeps.
RAW_LINE_CHARS = 1_000
#: Columns the reader adds to every record; a header may not use these names.
LINE_COLUMNS = (
    "source_file",
    "source_row_number",
    "source_line_number",
    "malformed_detail",
    "raw_line",
)
#: Data lines the dbt plugin parses and hands to DuckDB at a time, so that its memory is
#: bounded by a chunk whatever the size of the files (see Plugin.load).
CHUNK_LINES = 100_000
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
NUL = b"\x00"

csv.field_size_limit(MAX_FIELD_CHARS)


class RawFileError(ValueError):
    """A raw file that cannot be read at all; the message names the file and the problem."""


@dataclass(frozen=True)
class RawFile:
    """One file split into lines: its header fields and its data lines (bytes, in order)."""

    path: Path
    header: list[str]
    lines: list[bytes]


def _incomplete_gzip(path: Path, error: Exception) -> RawFileError:
    return RawFileError(
        f"{path}: not a complete GZIP file, the download may be cut short ({error})"
    )


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, decompressed when it is gzip (by content, not by name)."""
    path = Path(path)
    if not path.is_file():
        raise RawFileError(f"{path}: file not found")
    data = path.read_bytes()
    if data.startswith(_GZIP_MAGIC):
        try:
            return gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as error:
            raise _incomplete_gzip(path, error) from error
    return data


@contextmanager
def _open_decompressed(path: Path) -> Iterator[tuple[IO[bytes], bool]]:
    """The file as a binary stream, decompressed when it is gzip; and whether it is."""
    if not path.is_file():
        raise RawFileError(f"{path}: file not found")
    with path.open("rb") as handle:
        compressed = handle.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
        handle.seek(0)
        if not compressed:
            yield handle, False
            return
        with gzip.GzipFile(fileobj=handle) as stream:
            yield stream, True


def _stream_lines(path: Path, stream: IO[bytes], compressed: bool) -> Iterator[bytes]:
    """The lines split_lines(read_bytes(path)) gives, read one at a time."""
    try:
        for number, line in enumerate(stream):
            ended = line.endswith(b"\n")
            if ended:
                line = line[:-1]
            if number == 0 and line.startswith(_BOM):
                line = line[len(_BOM) :]
                if not line and not ended:
                    return  # a file of just a BOM has no line, as split_lines says
            yield line[:-1] if line.endswith(b"\r") else line
    except (EOFError, OSError, zlib.error) as error:
        if not compressed:
            raise
        raise _incomplete_gzip(path, error) from error


def _check_complete(path: Path) -> None:
    """Decompress a gzip file to its end (and drop the bytes): a truncated download fails here."""
    with _open_decompressed(path) as (stream, compressed):
        if compressed:
            try:
                while stream.read(1 << 20):
                    pass
            except (EOFError, OSError, zlib.error) as error:
                raise _incomplete_gzip(path, error) from error


@contextmanager
def stream_raw_file(path: str | os.PathLike[str]) -> Iterator[tuple[list[str], Iterator[bytes]]]:
    """A file's header (column names, checked as open_raw_file checks them) and an iterator of
    its data lines, read as a stream: the memory does not grow with the file. A gzip file
    that is cut short raises RawFileError when the iterator reaches the cut."""
    path = Path(path)
    with _open_decompressed(path) as (stream, compressed):
        lines = _stream_lines(path, stream, compressed)
        first = next(lines, None)
        only_line = first is None
        if first is not None and first.strip() == b"":
            # A blank first line: the file is empty if nothing follows it.
            second = next(lines, None)
            only_line = second is None
            if second is not None:
                lines = itertools.chain([second], lines)
        yield _header_of(path, first, only_line), lines


def split_lines(data: bytes) -> list[bytes]:
    """Lines of a file: split at LF, CR of a CRLF dropped, BOM dropped, no empty last line."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


_CSV_ERRORS = {
    "unexpected end of data": "unterminated quoted field",
    "expected after": "text after a closing quote",
    "field larger than field limit": f"a field is longer than {MAX_FIELD_CHARS:,} characters",
    "new-line character seen in unquoted field": "carriage return inside an unquoted field",
}


def parse_line(
    line: bytes, expected_fields: int | None = None
) -> tuple[list[str] | None, str | None]:
    """One line's fields, or None and what is wrong with it."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = line[error.start]
        return None, f"not valid UTF-8 (byte 0x{byte:02x} at position {error.start + 1})"
    if NUL in line:
        return None, f"NUL byte at position {line.index(NUL) + 1}"
    if text.strip() == "":
        return None, "blank line"
    if '"' in text or "\r" in text:
        fields, problem = _parse_quoted(text)
        if fields is None:
            return None, problem
    else:  # No quote: the CSV record is the text split at commas (the common, fast case).
        fields = text.split(",")
    if len(text) > MAX_FIELD_CHARS and any(len(field) > MAX_FIELD_CHARS for field in fields):
        return None, f"a field is longer than {MAX_FIELD_CHARS:,} characters"
    if expected_fields is not None and len(fields) != expected_fields:
        return None, f"expected {expected_fields} fields, found {len(fields)}"
    return fields, None


def _parse_quoted(text: str) -> tuple[list[str] | None, str | None]:
    """A line with quotes (or a CR) through Python's csv module, strictly."""
    try:
        fields = next(csv.reader([text], strict=True))
    except csv.Error as error:
        message = str(error)
        for needle, detail in _CSV_ERRORS.items():
            if needle in message.lower():
                return None, detail
        return None, f"not a CSV record ({message})"
    return fields, None


def header_names(fields: Sequence[str]) -> list[str]:
    """Column names from header fields: trimmed; an empty name becomes columnNN (DuckDB's)."""
    width = len(str(len(fields) - 1))
    return [field.strip() or f"column{index:0{width}d}" for index, field in enumerate(fields)]


def _header_of(path: Path, first: bytes | None, only_line: bool) -> list[str]:
    """Column names from a file's first line; RawFileError when the file is empty (no line,
    or one blank line) or the line is not a header."""
    if first is None or (only_line and first.strip() == b""):
        raise RawFileError(f"{path}: file is empty")
    fields, problem = parse_line(first)
    if fields is None:
        raise RawFileError(
            f"{path}: not a comma-separated CSV file (its first line, the header, is not "
            f"readable: {problem})"
        )
    if len(fields) < 2:
        raise RawFileError(
            f"{path}: not a comma-separated CSV file (its first line holds no comma-separated "
            "header)"
        )
    names = header_names(fields)
    taken = sorted(set(names) & set(LINE_COLUMNS))
    if taken:
        raise RawFileError(f"{path}: the header uses reserved column names {taken}")
    return names


def open_raw_file(path: str | os.PathLike[str]) -> RawFile:
    """Split a file into its header and data lines; RawFileError when there is no header."""
    path = Path(path)
    lines = split_lines(read_bytes(path))
    names = _header_of(path, lines[0] if lines else None, len(lines) <= 1)
    return RawFile(path, names, lines[1:])


def header_problem(path: str, required: Iterable[str] | None) -> str | None:
    """What stops the build for this file: unreadable, no header, required columns missing.

    Reads the header line (and, for a gzip file, decompresses the rest to check that it is
    complete), never the whole file into memory."""
    try:
        _check_complete(Path(path))
        with stream_raw_file(path) as (header, _):
            pass
    except RawFileError as error:
        return str(error)
    missing = [name for name in (required or []) if name not in header]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        names = "', '".join(missing)
        return f"{path}: column{plural} '{names}' missing from the header"
    return None


def records(raw: RawFile) -> pd.DataFrame:
    """One row per data line: the line columns, then every header column as text."""
    return line_records(raw.path.name, raw.header, raw.lines)


def line_records(
    file_name: str, header: list[str], lines: Sequence[bytes], first_row: int = 1
) -> pd.DataFrame:
    """The records of `lines`, consecutive data lines of a file with this header, the first
    of them data line number `first_row` (records() with first_row 1 is the whole file)."""
    expected = len(header)
    values: list[list[str | None]] = []
    details: list[str | None] = []
    raw_lines: list[str | None] = []
    empty: list[str | None] = [None] * expected
    for line in lines:
        fields, problem = parse_line(line, expected)
        details.append(problem)
        if fields is None:
            text = line[: RAW_LINE_CHARS * 4].decode("utf-8", "backslashreplace")[:RAW_LINE_CHARS]
            values.append(empty)
            raw_lines.append(text)
        else:
            values.append(fields)
            raw_lines.append(None)
    count = len(lines)
    frame = pd.DataFrame(values, columns=header, dtype=object)
    # A name repeated in the header keeps its first column, as a lookup by name would.
    frame = frame.loc[:, ~frame.columns.duplicated()]
    lines_frame = pd.DataFrame(
        {
            "source_file": [file_name] * count,
            "source_row_number": pd.Series(range(first_row, first_row + count), dtype="int64"),
            "source_line_number": pd.Series(
                range(first_row + 1, first_row + count + 1), dtype="int64"
            ),
            "malformed_detail": pd.Series(details, dtype=object),
            "raw_line": pd.Series(raw_lines, dtype=object),
        }
    )
    return pd.concat([lines_frame, frame], axis=1)


def matching_files(pattern: str, optional: bool = False, expand_glob: bool = False) -> list[str]:
    """The files a source reads, sorted by name (each is read and numbered on its own).

    `optional`: a glob, and no match is fine (a folder of incoming files may be empty).
    `expand_glob`: a glob that must match a file: a file of exactly that name is read as it
    is, and no match gives the pattern itself, which then fails as "file not found".
    Neither: the pattern is one path.
    """
    if not (optional or expand_glob):
        return [pattern]
    if expand_glob and Path(pattern).is_file():
        return [pattern]
    found = sorted(glob.glob(pattern))
    return found if found or optional else [pattern]


def record_chunks(
    pattern: str,
    optional: bool = False,
    expand_glob: bool = False,
    chunk_lines: int | None = None,
) -> Iterator[pd.DataFrame]:
    """The records of every file `pattern` names (see matching_files), file by file in name
    order, each file in frames of at most `chunk_lines` lines (None: the whole file in one),
    numbered within its file. A file without data lines gives one empty frame, so its
    columns are known. Each file is read as a stream: the memory is that of one frame."""
    for path in matching_files(pattern, optional, expand_glob):
        with stream_raw_file(path) as (header, lines):
            name = Path(path).name
            row = 1
            while True:
                chunk = list(itertools.islice(lines, chunk_lines))
                if chunk or row == 1:
                    yield line_records(name, header, chunk, row)
                row += len(chunk)
                if chunk_lines is None or len(chunk) < chunk_lines:
                    break


def empty_records() -> pd.DataFrame:
    """No file at all: the line columns only, no row."""
    return pd.DataFrame({name: pd.Series(dtype=object) for name in LINE_COLUMNS}).astype(
        {"source_row_number": "int64", "source_line_number": "int64"}
    )


def read_records(pattern: str, optional: bool = False, expand_glob: bool = False) -> pd.DataFrame:
    """Every data line of the file, or of every file a glob matches (columns united by name).

    A missing file is an error unless `optional` (a folder of incoming files may be empty);
    no file at all gives an empty frame with the line columns only. `optional` and
    `expand_glob` read a glob as `matching_files` says; without either the pattern is a path.
    """
    frames = list(record_chunks(pattern, optional, expand_glob))
    if not frames:
        return empty_records()
    return pd.concat(frames, ignore_index=True, sort=False)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as pandas strings, so DuckDB types them VARCHAR even when every value is
    missing (an object column of None alone would become DuckDB's NULL type)."""
    text = [name for name, dtype in frame.dtypes.items() if pd.api.types.is_object_dtype(dtype)]
    return frame.astype({name: "string" for name in text})


def write_parquet_chunks(
    pattern: str,
    folder: Path,
    optional: bool = False,
    expand_glob: bool = False,
    chunk_lines: int = CHUNK_LINES,
) -> list[str]:
    """record_chunks written as Parquet files part-NNNNNN.parquet in `folder`, in order (one,
    with the line columns only, when there is no file); returns their paths. Read back with
    read_parquet(paths, union_by_name=true), they are the rows, columns and types of
    as_text(read_records(...)), in the same order."""
    import duckdb

    paths: list[str] = []
    with duckdb.connect() as writer:  # in memory: it only converts each frame to Parquet
        chunks = record_chunks(pattern, optional, expand_glob, chunk_lines)
        for number, frame in enumerate(itertools.chain(chunks, [None])):
            if frame is None:
                if paths:
                    break
                frame = empty_records()
            path = str(folder / f"part-{number:06d}.parquet")
            writer.register("raw_csv_chunk", as_text(frame))
            writer.execute(f"copy raw_csv_chunk to {literal(path)} (format parquet)")
            writer.unregister("raw_csv_chunk")
            paths.append(path)
    return paths


try:  # The plugin base exists where dbt-duckdb is installed (always, in this project).
    from dbt.adapters.duckdb.plugins import BasePlugin
except ImportError:  # pragma: no cover - the reader functions work without dbt
    BasePlugin = object  # type: ignore[assignment,misc]


class Plugin(BasePlugin):  # type: ignore[misc,valid-type]
    """dbt-duckdb plugin: a source with `meta: {plugin: raw_csv, raw_file: PATH}` is loaded
    as a table of its lines (see the module docstring). PATH may be a glob: every file it
    matches is read, at least one (as Spark's text source reads a path);
    `optional_file: true` allows none.

    The lines are parsed CHUNK_LINES at a time and each chunk is written to a Parquet file in
    a temporary folder; `load` returns a DuckDB relation reading them, from which dbt-duckdb
    creates raw.<table>. So the memory holds one chunk as Python strings, not the whole
    file (a pandas frame of 11 million lines would need tens of GB). The folder is removed
    once dbt-duckdb has dropped the relation (or when the process exits)."""

    _connection: Any = None

    def configure_connection(self, conn: Any) -> None:
        """raw_csv_problem(path, required_columns) for the on-run-start validation hook."""
        import duckdb

        # dbt-duckdb runs `CREATE SCHEMA IF NOT EXISTS raw` before loading each source; two
        # staging models loading their sources on two threads into a new warehouse then fail
        # with "Catalog write-write conflict on create with raw". Created once here, the
        # schema exists before any thread starts. A read-only warehouse (the `docs` target of
        # profiles.yml, which `dbt docs generate` reads the catalog through) has it already.
        read_only = conn.execute("select current_setting('access_mode')").fetchall()[0][0]
        if str(read_only).lower() != "read_only":
            conn.execute("create schema if not exists raw")
        conn.create_function(
            "raw_csv_problem",
            header_problem,
            [duckdb.sqltype("VARCHAR"), duckdb.list_type(duckdb.sqltype("VARCHAR"))],
            duckdb.sqltype("VARCHAR"),
            null_handling="special",
            side_effects=True,
        )
        # The warehouse's connection (dbt-duckdb configures each new one): load() returns a
        # relation of it, which dbt-duckdb registers on a cursor of the same database.
        self._connection = conn

    def load(self, source_config: Any) -> Any:
        pattern = source_config["raw_file"]
        optional = bool(source_config.get("optional_file"))
        try:
            if self._connection is None:
                # Outside a dbt-duckdb session (no connection to hand a relation to): the
                # records as one frame.
                return as_text(read_records(pattern, optional, expand_glob=True))
            folder = Path(tempfile.mkdtemp(prefix="raw_csv-"))
            try:
                parts = write_parquet_chunks(
                    pattern, folder, optional, expand_glob=True, chunk_lines=CHUNK_LINES
                )
                relation = self._connection.cursor().read_parquet(parts, union_by_name=True)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        except RawFileError as error:
            # dbt prints this line; the build stops at this source's staging model.
            raise RuntimeError(str(error)) from None
        weakref.finalize(relation, shutil.rmtree, folder, ignore_errors=True)
        return relation
