"""A raw source given as a glob of several files (tracks_file: dataset-*.csv) builds like the
one file they were cut from: every file read, each row with its own file and its position in
that file, the same rows quarantined for the same reasons, and the reconciliation per source
the same (bench/bench_scale.py builds its generated data this way, on DuckDB and Spark)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.support import FIXTURE_RAW, FIXTURE_VARS, RAW_SOURCES_FILTER, run_dbt
from tests.test_malformed_lines_build import BUILD_ARGS

pytestmark = pytest.mark.dbt_fixture

FILES = {"spotify.tracks": "dataset", "tidytuesday.playlist_tracks": "spotify_songs"}


def split_file(source: Path, folder: Path, parts: int) -> list[int]:
    """`source` cut into `parts` files `<stem>-<n>.csv` of whole lines, each with the header;
    returns how many data lines come before each part."""
    header, *lines = source.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    size = -(-len(lines) // parts)
    offsets = []
    for part in range(parts):
        chunk = lines[part * size : (part + 1) * size]
        (folder / f"{source.stem}-{part}.csv").write_bytes(b"\n".join([header, *chunk]) + b"\n")
        offsets.append(part * size)
    return offsets


def quarantine(connection: duckdb.DuckDBPyConnection, offsets: dict[str, int]) -> set[tuple]:
    """Quarantined raw rows as (source, row number in the uncut file, reasons, detail, line)."""
    rows = connection.execute(
        "select source_name, source_file, source_row_number, rejection_reasons, "
        f"malformed_detail, raw_line from quality.quarantined_rows where {RAW_SOURCES_FILTER}"
    ).fetchall()
    return {
        (source, offsets.get(file, 0) + row, reasons, detail, line)
        for source, file, row, reasons, detail, line in rows
    }


def build_reconciliation(workdir: Path, dbt_vars: dict[str, object]) -> Path:
    """Seeds, staging, the validated models and the quality layer (with their tests) into a
    new warehouse, as tests/test_malformed_lines_build.py builds them."""
    warehouse = workdir / "warehouse.duckdb"
    result = run_dbt(BUILD_ARGS, workdir, warehouse, dbt_vars)
    assert result.ok, result.output[-5000:]
    return warehouse


#: Malformed lines spliced into the whole files, at data lines 10, 66 and the end, so that
#: the parts start, hold and end with them.
BROKEN = {10: b"broken,line", 66: b'"an unterminated,quote', 10_000: b"3,\xe9,latin-1"}


def with_broken_lines(source: Path, target: Path) -> None:
    header, *lines = source.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for position, line in sorted(BROKEN.items()):
        lines.insert(min(position, len(lines)), line)
    target.write_bytes(b"\n".join([header, *lines]) + b"\n")


def test_a_glob_of_split_files_builds_like_the_whole_file(tmp_path: Path) -> None:
    whole_dir, raw_dir = tmp_path / "whole-raw", tmp_path / "raw"
    whole_dir.mkdir()
    raw_dir.mkdir()
    offsets: dict[str, int] = {}
    for stem in FILES.values():
        with_broken_lines(FIXTURE_RAW / f"{stem}.csv", whole_dir / f"{stem}.csv")
        for part, offset in enumerate(split_file(whole_dir / f"{stem}.csv", raw_dir, 3)):
            offsets[f"{stem}-{part}.csv"] = offset
    split_vars = {
        **FIXTURE_VARS,
        "raw_data_dir": str(raw_dir),
        "tracks_file": "dataset-*.csv",
        "playlist_tracks_file": "spotify_songs-*.csv",
    }
    (tmp_path / "split").mkdir()
    (tmp_path / "whole").mkdir()
    split_warehouse = build_reconciliation(tmp_path / "split", split_vars)
    whole_vars = {**FIXTURE_VARS, "raw_data_dir": str(whole_dir)}
    whole_warehouse = build_reconciliation(tmp_path / "whole", whole_vars)

    counts = (
        "select source_name, data_lines, raw_rows, accepted_rows, quarantined_rows, "
        "malformed_lines, unaccounted_rows, double_counted_rows from quality.source_reconciliation "
        f"where {RAW_SOURCES_FILTER} order by source_name"
    )
    with (
        duckdb.connect(str(split_warehouse), read_only=True) as split,
        duckdb.connect(str(whole_warehouse), read_only=True) as whole,
    ):
        assert split.execute(counts).fetchall() == whole.execute(counts).fetchall()
        files = split.execute(
            f"select source_name, file_count from quality.source_reconciliation "
            f"where {RAW_SOURCES_FILTER} order by source_name"
        ).fetchall()
        assert files == [("spotify.tracks", 3), ("tidytuesday.playlist_tracks", 3)]
        # Each file numbered from 1: the first row of every part is row 1.
        firsts = split.execute(
            "select source_file, min(source_row_number), min(source_line_number) "
            "from staging.stg_spotify__tracks group by source_file order by source_file"
        ).fetchall()
        assert firsts == [(f"dataset-{part}.csv", 1, 2) for part in range(3)]
        split_quarantine = quarantine(split, offsets)
        whole_quarantine = quarantine(whole, {})
    assert split_quarantine == whole_quarantine
    malformed = [row for row in whole_quarantine if row[3] is not None]
    assert len(malformed) == 2 * len(BROKEN), malformed


def test_a_glob_that_matches_no_file_stops_the_build(tmp_path: Path) -> None:
    dbt_vars = {**FIXTURE_VARS, "tracks_file": "nothing-*.csv"}
    result = run_dbt(["build"], tmp_path, tmp_path / "warehouse.duckdb", dbt_vars)
    assert not result.ok
    assert (
        f"{FIXTURE_RAW}/nothing-*.csv: raw file for source spotify.tracks not found"
        in result.output
    )
    assert "OK created" not in result.output


def test_a_bad_file_among_the_matches_stops_the_build_naming_it(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    split_file(FIXTURE_RAW / "dataset.csv", raw_dir, 2)
    bad = raw_dir / "dataset-1.csv"
    header, rest = bad.read_bytes().split(b"\n", 1)
    bad.write_bytes(header.replace(b",tempo,", b",bpm,") + b"\n" + rest)
    dbt_vars = {**FIXTURE_VARS, "raw_data_dir": str(raw_dir), "tracks_file": "dataset-*.csv"}
    (raw_dir / "spotify_songs.csv").write_bytes((FIXTURE_RAW / "spotify_songs.csv").read_bytes())
    result = run_dbt(["build"], tmp_path, tmp_path / "warehouse.duckdb", dbt_vars)
    assert not result.ok
    assert f"{bad}: column 'tempo' missing from the header (source spotify.tracks)" in result.output
    assert "OK created" not in result.output
