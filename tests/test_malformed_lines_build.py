"""End to end: raw files with malformed lines build, and every line is accounted for.

Each test writes its raw files into one shared folder and builds seeds, staging, the
validated models and the quality layer into a fresh warehouse (`dbt build --select
+source_reconciliation +quarantine_reasons`, no marts, no ML). The folder, warehouse path and
vars stay the same across the module's builds, so dbt parses the project once and the
other builds reuse its partial parse.

- A fixture copy with one line of every malformed kind and numeric edge values spliced in
  at known positions: the exact quarantine, the lines' text, reconciliation, and "nothing
  shifts" (every line's row number holds that line's track id).
- The acceptance scenario: a 2,000-line sample of the real tracks file with two broken lines.
- Random corruptions of the fixture (hypothesis, two examples): the build succeeds and every
  line is accounted for exactly once.
- Headers the reader cannot read (Latin-1, UTF-16, CR-only line ends) stop the build before
  any model (tests/test_bad_input.py covers missing, empty, binary and truncated files and
  missing columns).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from models_ml.raw_csv import MAX_FIELD_CHARS, RAW_LINE_CHARS
from tests.support import (
    FIXTURE_INCOMING,
    FIXTURE_RAW,
    FIXTURE_VARS,
    REAL_RAW,
    DbtResult,
    run_dbt,
)
from tests.test_dbt_fixture_build import EXPECTED_QUARANTINE
from tests.test_raw_csv_unit import (
    BOM,
    corrupt_file,
    expected_fields,
    random_corruptions,
    split_data_lines,
)

pytestmark = pytest.mark.dbt_fixture

TRACKS = "spotify.tracks"
PLAYLISTS = "tidytuesday.playlist_tracks"
VALIDATED = {
    TRACKS: "intermediate.int_spotify_tracks_validated",
    PLAYLISTS: "intermediate.int_playlist_tracks_validated",
}
FILE_NAMES = {TRACKS: "dataset.csv", PLAYLISTS: "spotify_songs.csv"}
BUILD_ARGS = [
    "build",
    "--select",
    "+source_reconciliation",
    "+quarantine_reasons",
    # Only tests whose every parent is built (not the ML tests on int_new_tracks_validated).
    "--indirect-selection",
    "cautious",
]


# --- The shared build folder ---------------------------------------------------------------


@dataclass(frozen=True)
class BuildArea:
    workdir: Path
    raw_dir: Path
    warehouse: Path

    def write(self, tracks: bytes | None = None, playlists: bytes | None = None) -> None:
        """The raw files of the next build (the fixture's where None)."""
        for name, data in ((FILE_NAMES[TRACKS], tracks), (FILE_NAMES[PLAYLISTS], playlists)):
            target = self.raw_dir / name
            if data is None:
                shutil.copyfile(FIXTURE_RAW / name, target)
            else:
                target.write_bytes(data)

    def build(self) -> DbtResult:
        """A build into a fresh warehouse."""
        for path in (self.warehouse, self.warehouse.with_name(self.warehouse.name + ".wal")):
            path.unlink(missing_ok=True)
        dbt_vars = {
            **FIXTURE_VARS,
            "raw_data_dir": str(self.raw_dir),
            "incoming_dir": str(FIXTURE_INCOMING),
        }
        return run_dbt(BUILD_ARGS, self.workdir, self.warehouse, dbt_vars)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        connection = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            yield connection
        finally:
            connection.close()


@pytest.fixture(scope="module")
def area(tmp_path_factory: pytest.TempPathFactory) -> BuildArea:
    workdir = tmp_path_factory.mktemp("malformed_lines")
    raw_dir = workdir / "raw"
    raw_dir.mkdir()
    return BuildArea(workdir, raw_dir, workdir / "warehouse.duckdb")


def build_ok(area: BuildArea) -> None:
    result = area.build()
    assert result.ok, result.output[-5000:]


# --- Reading a file independently of the loader --------------------------------------------


@dataclass(frozen=True)
class FileLines:
    """A raw file as Python's csv module reads it, one line at a time."""

    header: list[str]
    lines: list[bytes]
    fields: list[list[str] | None] = field(repr=False)

    @classmethod
    def of(cls, data: bytes) -> FileLines:
        text = data.removeprefix(BOM)
        header = next(csv.reader([text.split(b"\n", 1)[0].removesuffix(b"\r").decode("utf-8")]))
        lines = split_data_lines(data)
        return cls(header, lines, [expected_fields(line, len(header)) for line in lines])

    def raw_values(self, row: int) -> dict[str, str]:
        """What the warehouse must keep as the raw values of data line `row` (1-based): the
        fields by column name (an unnamed column is columnNN), or {"raw_line": text}."""
        fields = self.fields[row - 1]
        if fields is None:
            text = self.lines[row - 1].decode("utf-8", "backslashreplace")[:RAW_LINE_CHARS]
            return {"raw_line": text}
        width = len(str(len(self.header) - 1))
        names = [
            name.strip() or f"column{index:0{width}d}" for index, name in enumerate(self.header)
        ]
        return dict(zip(names, fields, strict=True))

    def track_id(self, row: int) -> str | None:
        """The raw track id of data line `row` (1-based), None for a malformed line."""
        fields = self.fields[row - 1]
        return None if fields is None else fields[self.header.index("track_id")]

    @property
    def malformed_rows(self) -> set[int]:
        return {row for row, fields in enumerate(self.fields, start=1) if fields is None}


def assert_every_line_accounted_for(
    connection: duckdb.DuckDBPyConnection, source: str, expected: FileLines
) -> None:
    """Each data line is in the warehouse exactly once (accepted or quarantined), under its
    own row and line number, with its own raw track id; malformed exactly where Python's
    csv module cannot read the line."""
    rows = connection.execute(
        f"""
        select source_row_number, source_line_number, source_file,
               json_extract_string(raw_values, '$.track_id'), malformed_detail
        from {VALIDATED[source]} where is_accepted
        union all
        select source_row_number, source_line_number, source_file, raw_track_id,
               malformed_detail
        from quality.quarantined_rows where source_name = ?
        order by 1
        """,
        [source],
    ).fetchall()
    count = len(expected.lines)
    assert count > 0
    assert [row[0] for row in rows] == list(range(1, count + 1))
    assert [row[1] for row in rows] == list(range(2, count + 2))
    assert {row[2] for row in rows} == {FILE_NAMES[source]}
    found = {row[0]: row[3] for row in rows}
    shifted = {
        n: (found[n], expected.track_id(n)) for n in found if found[n] != expected.track_id(n)
    }
    assert not shifted, f"{source}: rows whose track id is not their line's: {shifted}"
    assert {row[0] for row in rows if row[4] is not None} == expected.malformed_rows
    # Every value of every line, accepted or not, is the line's own.
    raw_values = connection.execute(
        f"select source_row_number, raw_values from {VALIDATED[source]} order by 1"
    ).fetchall()
    assert [row for row, _ in raw_values] == list(range(1, count + 1))
    differing = [
        row for row, values in raw_values if json.loads(values) != expected.raw_values(row)
    ]
    assert not differing, f"{source}: raw values not those of their line: rows {differing[:10]}"


def reconciliation(connection: duckdb.DuckDBPyConnection, source: str) -> dict[str, int]:
    frame = connection.execute(
        "select * from quality.source_reconciliation where source_name = ?", [source]
    ).fetchdf()
    assert len(frame) == 1, frame
    return {
        name: int(frame.iloc[0][name])
        for name in (
            "file_count",
            "data_lines",
            "raw_rows",
            "accepted_rows",
            "quarantined_rows",
            "malformed_lines",
            "unaccounted_rows",
            "double_counted_rows",
        )
    }


def assert_reconciled(
    connection: duckdb.DuckDBPyConnection, source: str, data_lines: int, malformed: int
) -> dict[str, int]:
    counts = reconciliation(connection, source)
    assert counts["file_count"] == 1
    assert counts["data_lines"] == counts["raw_rows"] == data_lines, counts
    assert counts["accepted_rows"] + counts["quarantined_rows"] == data_lines, counts
    assert counts["malformed_lines"] == malformed, counts
    assert counts["unaccounted_rows"] == counts["double_counted_rows"] == 0, counts
    return counts


# --- Building lines ------------------------------------------------------------------------


def fixture_file(source: str) -> tuple[bytes, list[bytes]]:
    """The fixture file's header line and data lines."""
    data = (FIXTURE_RAW / FILE_NAMES[source]).read_bytes()
    header, *lines = data.rstrip(b"\n").split(b"\n")
    return header, lines


def render(fields: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    return buffer.getvalue().encode("utf-8")


PLACEHOLDER = "@@"


@dataclass(frozen=True)
class Template:
    """A good data line of a file, to derive spliced lines from."""

    header: list[str]
    fields: list[str]

    @classmethod
    def of(cls, source: str) -> Template:
        header, lines = fixture_file(source)
        return cls(next(csv.reader([header.decode()])), next(csv.reader([lines[0].decode()])))

    def values(self, number: int, **overrides: str) -> list[str]:
        """The template's fields with a new track id (22 base62 characters) and overrides."""
        values = dict(zip(self.header, self.fields, strict=True))
        values["track_id"] = f"Spliced{number:015d}"
        if "" in values:
            values[""] = str(90_000 + number)  # the tracks file's pandas index column
        values.update(overrides)
        return [values[name] for name in self.header]

    def line(self, number: int, **overrides: str) -> bytes:
        return render(self.values(number, **overrides))

    def with_bytes(self, number: int, column: str, raw: bytes) -> bytes:
        """A line whose `column` holds `raw` exactly as bytes (quotes, invalid UTF-8, ...)."""
        line = self.line(number, **{column: PLACEHOLDER})
        assert line.count(PLACEHOLDER.encode()) == 1
        return line.replace(PLACEHOLDER.encode(), raw)


@dataclass(frozen=True)
class Splice:
    """A line put at data row `row` of the built file, and what the build must make of it:
    quarantined with `reasons` (and `detail` for a malformed line), or accepted with the
    typed values `typed`."""

    row: int
    line: bytes
    reasons: str | None = None
    detail: str | None = None
    typed: dict[str, object] | None = None
    ending: bytes | None = None

    @property
    def text(self) -> str:
        return self.line.decode("utf-8", "backslashreplace")[:RAW_LINE_CHARS]


def malformed(row: int, line: bytes, detail: str, ending: bytes | None = None) -> Splice:
    return Splice(row, line, "malformed_line", detail, ending=ending)


def position(line: bytes, part: bytes) -> int:
    assert line.count(part) == 1
    return line.index(part) + 1


def splice_file(
    header: bytes,
    lines: list[bytes],
    splices: list[Splice],
    ending: bytes,
    *,
    bom: bool = False,
    final_newline: bool = True,
) -> tuple[bytes, dict[int, int]]:
    """The file with the spliced lines at their rows (the original lines moved down), and
    where each original data row ended up."""
    by_row = {splice.row: splice for splice in splices}
    assert len(by_row) == len(splices)
    total = len(lines) + len(splices)
    assert max(by_row) < total
    originals = iter(enumerate(lines, start=1))
    moved: dict[int, int] = {}
    parts = [(BOM if bom else b"") + header + ending]
    for row in range(1, total + 1):
        if row in by_row:
            splice = by_row[row]
            parts.append(splice.line + (splice.ending or ending))
        else:
            original, line = next(originals)
            moved[original] = row
            parts.append(line + ending)
    data = b"".join(parts)
    if not final_newline:
        data = data.removesuffix(ending)
    return data, moved


def tracks_splices() -> list[Splice]:
    t = Template.of(TRACKS)
    latin1 = t.with_bytes(35, "track_name", b"Caf\xe9 au lait")
    latin1_at = position(latin1, b"\xe9")
    nul = t.with_bytes(40, "track_name", b"Nul\x00Name")
    nul_at = position(nul, b"\x00")
    long_name = "L" * (MAX_FIELD_CHARS + 1)
    return [
        malformed(3, render(t.values(3)[:6]), "expected 21 fields, found 6"),
        malformed(
            10, render(t.values(10) + [f"x{i}" for i in range(9)]), "expected 21 fields, found 30"
        ),
        malformed(
            20, t.with_bytes(20, "album_name", b'"Unterminated, album'), "unterminated quoted field"
        ),
        malformed(
            25, t.with_bytes(25, "album_name", b'"Closed"after'), "text after a closing quote"
        ),
        malformed(35, latin1, f"not valid UTF-8 (byte 0xe9 at position {latin1_at})"),
        malformed(40, nul, f"NUL byte at position {nul_at}"),
        malformed(50, b"", "blank line"),
        malformed(55, b"  \t ", "blank line"),
        malformed(
            60, t.line(60, track_name=long_name), "a field is longer than 131,072 characters"
        ),
        malformed(
            70,
            t.with_bytes(70, "track_name", b"Carriage\rReturn"),
            "carriage return inside an unquoted field",
        ),
        Splice(80, t.line(80), typed={"popularity": 73, "duration_ms": 230666}, ending=b"\r\n"),
        Splice(
            90,
            t.line(
                90,
                popularity=" 73 ",
                duration_ms=" 230666\t",
                explicit=" False ",
                danceability=" 0.676 ",
                key=" 1 ",
                mode=" 0",
                tempo="87.917 ",
                time_signature=" 4 ",
            ),
            typed={
                "popularity": 73,
                "duration_ms": 230666,
                "is_explicit": False,
                "danceability": 0.676,
                "key": 1,
                "mode": 0,
                "tempo": 87.917,
                "time_signature": 4,
            },
        ),
        Splice(100, t.line(100, danceability="NaN"), "unparseable_number:danceability"),
        Splice(110, t.line(110, tempo="inf"), "unparseable_number:tempo"),
        Splice(115, t.line(115, energy="-Infinity"), "unparseable_number:energy"),
        Splice(120, t.line(120, loudness="1e999"), "unparseable_number:loudness"),
        Splice(130, t.line(130, key="-0"), typed={"key": 0}),
        Splice(140, t.line(140, popularity="1.5"), "unparseable_number:popularity"),
        Splice(150, t.line(150, key="0x10"), "unparseable_number:key"),
        Splice(155, t.line(155, mode="nan"), "unparseable_number:mode"),
        Splice(
            160,
            t.line(160, popularity="73.0", duration_ms="2.3e5", time_signature="4.0"),
            typed={"popularity": 73, "duration_ms": 230000, "time_signature": 4},
        ),
        Splice(170, t.line(170, duration_ms="1e999"), "unparseable_number:duration_ms"),
    ]


def playlist_splices() -> list[Splice]:
    t = Template.of(PLAYLISTS)
    invalid = t.with_bytes(35, "track_name", b"Bad \xff byte")
    invalid_at = position(invalid, b"\xff")
    nul = t.with_bytes(45, "playlist_name", b"\x00")
    nul_at = position(nul, b"\x00")
    return [
        malformed(5, render(t.values(5)[:6]), "expected 23 fields, found 6"),
        malformed(
            15, render(t.values(15) + [f"x{i}" for i in range(7)]), "expected 23 fields, found 30"
        ),
        malformed(
            25,
            t.with_bytes(25, "track_album_name", b'"Unterminated (Remix)'),
            "unterminated quoted field",
        ),
        malformed(35, invalid, f"not valid UTF-8 (byte 0xff at position {invalid_at})"),
        malformed(45, nul, f"NUL byte at position {nul_at}"),
        malformed(55, b"", "blank line"),
        # Every other line of this file ends with CRLF; this one with LF.
        Splice(60, t.line(60), typed={"popularity": 66}, ending=b"\n"),
        Splice(70, t.line(70, track_popularity="1.5"), "unparseable_number:popularity"),
        Splice(75, t.line(75, danceability="nan"), "unparseable_number:danceability"),
        Splice(
            80,
            t.line(80, track_popularity=" 66 ", duration_ms=" 194754 ", key=" 6 "),
            typed={"popularity": 66, "duration_ms": 194754, "key": 6},
        ),
    ]


def test_spliced_malformed_lines_are_quarantined_and_nothing_shifts(area: BuildArea) -> None:
    """dataset.csv (LF, no newline after its last line) and spotify_songs.csv (UTF-8 BOM,
    CRLF) with lines of every malformed kind and numeric edge values spliced in."""
    splices = {TRACKS: tracks_splices(), PLAYLISTS: playlist_splices()}
    header, lines = fixture_file(TRACKS)
    tracks, tracks_moved = splice_file(header, lines, splices[TRACKS], b"\n", final_newline=False)
    header, lines = fixture_file(PLAYLISTS)
    playlists, playlists_moved = splice_file(header, lines, splices[PLAYLISTS], b"\r\n", bom=True)
    assert not tracks.endswith(b"\n") and playlists.startswith(BOM)
    area.write(tracks, playlists)
    build_ok(area)

    # The whole quarantine: every spliced line that must be rejected, and the fixture's own
    # broken rows at the rows they moved to.
    moved = {TRACKS: tracks_moved, PLAYLISTS: playlists_moved}
    expected = {
        (source, splice.row, splice.row + 1, splice.reasons, splice.detail)
        for source, source_splices in splices.items()
        for splice in source_splices
        if splice.reasons is not None
    } | {
        (source, moved[source][row], moved[source][row] + 1, ";".join(reasons), None)
        for (source, row), reasons in EXPECTED_QUARANTINE.items()
    }
    assert len(expected) == 26 + len(EXPECTED_QUARANTINE)
    with area.connect() as connection:
        found = set(
            connection.execute(
                """
                select source_name, source_row_number, source_line_number, rejection_reasons,
                       malformed_detail
                from quality.quarantined_rows
                where source_name in (?, ?)
                """,
                [TRACKS, PLAYLISTS],
            ).fetchall()
        )
        assert found - expected == set(), "quarantined, not expected"
        assert expected - found == set(), "expected, not quarantined"

        # A malformed line keeps its text, and raw_values is {"raw_line": text}.
        texts = dict(
            ((source, row), (raw_line, json.loads(raw_values)))
            for source, row, raw_line, raw_values in connection.execute(
                "select source_name, source_row_number, raw_line, raw_values "
                "from quality.quarantined_rows where source_name in (?, ?)",
                [TRACKS, PLAYLISTS],
            ).fetchall()
        )
        checked = 0
        for source, source_splices in splices.items():
            for splice in source_splices:
                if splice.detail is None:
                    continue
                raw_line, raw_values = texts[(source, splice.row)]
                assert raw_line == splice.text, (source, splice.row)
                assert raw_values == {"raw_line": splice.text}
                checked += 1
        assert checked == 16
        assert len(texts[(TRACKS, 60)][0]) == RAW_LINE_CHARS
        assert texts[(TRACKS, 40)][0].count("\x00") == 1
        assert "\\xe9" in texts[(TRACKS, 35)][0]
        assert not any(text.endswith("\r") for text, _ in texts.values() if text)
        not_malformed = [
            raw_line for (_, _), (raw_line, values) in texts.items() if "raw_line" not in values
        ]
        assert not_malformed and all(raw_line is None for raw_line in not_malformed)

        # Spliced good lines (CRLF among LF, LF among CRLF, spaces around numbers, '-0',
        # '73.0', '2.3e5') are accepted with their typed values.
        accepted = 0
        for source, source_splices in splices.items():
            for splice in source_splices:
                if splice.typed is None:
                    continue
                columns = ", ".join(splice.typed)
                row = connection.execute(
                    f"select is_accepted, track_id, {columns} from {VALIDATED[source]} "
                    "where source_row_number = ?",
                    [splice.row],
                ).fetchone()
                assert row is not None
                assert row[:2] == (True, f"Spliced{splice.row:015d}"), (source, splice.row)
                assert dict(zip(splice.typed, row[2:], strict=True)) == splice.typed
                accepted += 1
        assert accepted == 6

        # Every line is accounted for, under its own number.
        for source, data in ((TRACKS, tracks), (PLAYLISTS, playlists)):
            file_lines = FileLines.of(data)
            assert_every_line_accounted_for(connection, source, file_lines)
            malformed_count = sum(splice.detail is not None for splice in splices[source])
            assert len(file_lines.malformed_rows) == malformed_count
            assert_reconciled(connection, source, len(file_lines.lines), malformed_count)
        assert len(FileLines.of(tracks).lines) == 195 + 22
        assert len(FileLines.of(playlists).lines) == 194 + 10

        # malformed_line is a documented rule with no column.
        reasons = connection.execute(
            "select distinct rule_code, column_name, rule_description is not null "
            "from quality.quarantine_reasons where rule_code = 'malformed_line'"
        ).fetchall()
        assert reasons == [("malformed_line", None, True)]


def real_sample(lines: int) -> bytes:
    """The header and first `lines` data lines of the real tracks file, decompressed."""
    path = REAL_RAW / "dataset.csv.gz"
    assert path.is_file(), f"{path} is needed for the acceptance test"
    with gzip.open(path, "rb") as handle:
        return b"".join(handle.readline() for _ in range(lines + 1))


def test_acceptance_two_broken_lines_in_a_real_sample(area: BuildArea) -> None:
    """The first 2,000 data lines of data/raw/dataset.csv.gz, with data rows 500 and 1,500
    *replaced* (so the file still has 2,000 data lines) by a line cut to 6 fields and a line
    with 9 extra fields (30). The build accounts for all 2,000 lines, quarantines the 2 broken
    ones as malformed_line with their line numbers and text, and numbers every other row as
    in the file."""
    sample = real_sample(2_000)
    header, *lines = sample.rstrip(b"\n").split(b"\n")
    assert len(lines) == 2_000
    short_fields = next(csv.reader([lines[499].decode()]))[:6]
    long_fields = [*next(csv.reader([lines[1_499].decode()])), *(f"extra{i}" for i in range(9))]
    lines[499], lines[1_499] = render(short_fields), render(long_fields)
    data = header + b"\n" + b"\n".join(lines) + b"\n"
    area.write(tracks=data)
    build_ok(area)

    with area.connect() as connection:
        counts = assert_reconciled(connection, TRACKS, data_lines=2_000, malformed=2)
        assert counts["raw_rows"] == 2_000
        broken = connection.execute(
            """
            select source_row_number, source_line_number, rejection_reasons, malformed_detail,
                   raw_line
            from quality.quarantined_rows
            where source_name = ? and malformed_detail is not null
            order by source_row_number
            """,
            [TRACKS],
        ).fetchall()
        assert broken == [
            (500, 501, "malformed_line", "expected 21 fields, found 6", lines[499].decode()),
            (1_500, 1_501, "malformed_line", "expected 21 fields, found 30", lines[1_499].decode()),
        ]
        assert_every_line_accounted_for(connection, TRACKS, FileLines.of(data))
        # The playlist file (the fixture's) is untouched by the tracks file's lines.
        assert_reconciled(connection, PLAYLISTS, data_lines=194, malformed=0)


@settings(
    max_examples=2,
    deadline=None,
    database=None,
    phases=[Phase.generate],  # no shrinking: every example is a dbt build
    suppress_health_check=list(HealthCheck),
)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_corruptions_every_line_accounted_for_once(area: BuildArea, seed: int) -> None:
    """Five random lines of each fixture file (about ten per build) get one random corruption
    each (a delimiter deleted or added, the line cut short, a quote, invalid bytes, a NUL,
    a CR inserted, or a CRLF ending); the build succeeds and every line is accounted for."""
    rng = random.Random(seed)
    data = {}
    for source in (TRACKS, PLAYLISTS):
        header, lines = fixture_file(source)
        changes = random_corruptions(rng, len(lines), 5)
        data[source] = corrupt_file(header, lines, changes)
    area.write(data[TRACKS], data[PLAYLISTS])
    build_ok(area)
    malformed_total = 0
    with area.connect() as connection:
        for source in (TRACKS, PLAYLISTS):
            original = fixture_file(source)[1]
            file_lines = FileLines.of(data[source])
            assert len(file_lines.lines) == len(original)
            malformed_total += len(file_lines.malformed_rows)
            assert_reconciled(
                connection, source, len(file_lines.lines), len(file_lines.malformed_rows)
            )
            assert_every_line_accounted_for(connection, source, file_lines)
            # A line left as it was keeps its verdict: the fixture's broken rows their
            # reasons, every other row accepted.
            verdicts = dict(
                connection.execute(
                    f"select source_row_number, rejection_reasons from {VALIDATED[source]}"
                ).fetchall()
            )
            untouched = [
                row
                for row, line in enumerate(file_lines.lines, start=1)
                if line == original[row - 1]
            ]
            assert len(untouched) >= len(original) - 5
            changed_verdicts = {
                row: verdicts[row]
                for row in untouched
                if verdicts[row] != _joined(EXPECTED_QUARANTINE.get((source, row)))
            }
            assert not changed_verdicts, f"{source}: untouched lines judged anew"
    # Five corruptions per file always leave some line malformed (at least 3 in 2,000 seeds).
    assert malformed_total > 0


def _joined(reasons: list[str] | None) -> str | None:
    return None if reasons is None else ";".join(reasons)


def latin1_tracks() -> bytes:
    text = (FIXTURE_RAW / "dataset.csv").read_text(encoding="utf-8")
    assert text.startswith(",track_id,")
    return ("n\u00b0" + text).encode("latin-1", errors="replace")


def utf16_playlists() -> bytes:
    return (FIXTURE_RAW / "spotify_songs.csv").read_text(encoding="utf-8").encode("utf-16")


def cr_only_tracks() -> bytes:
    return (FIXTURE_RAW / "dataset.csv").read_bytes().replace(b"\n", b"\r")


@pytest.mark.parametrize(
    ("source", "make", "problem"),
    [
        (TRACKS, latin1_tracks, "not valid UTF-8 (byte 0xb0 at position 2)"),
        (PLAYLISTS, utf16_playlists, "not valid UTF-8 (byte 0xff at position 1)"),
        (TRACKS, cr_only_tracks, "carriage return inside an unquoted field"),
    ],
    ids=["latin1-header", "utf16-file", "cr-only-line-ends"],
)
def test_unreadable_header_stops_the_build(
    area: BuildArea, source: str, make: Callable[[], bytes], problem: str
) -> None:
    """A header the reader cannot read stops the build in the on-run-start hook, naming the
    file and the problem, before any model (a good header with broken lines builds: above)."""
    area.write(**{"tracks" if source == TRACKS else "playlists": make()})
    result = area.build()
    assert not result.ok
    assert "OK created" not in result.output, "no model may be built from a bad raw file"
    path = area.raw_dir / FILE_NAMES[source]
    assert (
        f"{path}: not a comma-separated CSV file (its first line, the header, is not "
        f"readable: {problem}); expected a CSV with a header row holding track_id"
    ) in result.output, result.output[-3000:]
