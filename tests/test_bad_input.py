"""A raw file that is missing, empty, not CSV or lacks a column stops the build early,
with a message naming the file and the problem, before any model is built."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from tests.support import FIXTURE_RAW, FIXTURE_VARS, run_dbt

pytestmark = pytest.mark.dbt_fixture


@pytest.fixture(scope="module")
def area(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's build folder. Its builds share the raw folder's path, the target folder
    and (most of them) the vars, so dbt parses the project once and the later builds reuse
    that parse, as in tests/test_malformed_lines_build.py; each test writes its own files."""
    return tmp_path_factory.mktemp("bad_input")


@pytest.fixture
def raw_dir(area: Path) -> Path:
    """A fresh, writable copy of the fixture's raw files."""
    target = area / "raw"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(FIXTURE_RAW, target)
    return target


def fresh_warehouse(workdir: Path) -> Path:
    """The build's warehouse path, with nothing left there by an earlier build."""
    warehouse = workdir / "warehouse.duckdb"
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)
    return warehouse


def build(raw_dir: Path, workdir: Path, **file_vars: str) -> tuple[int, str]:
    result = run_dbt(
        ["build"],
        workdir,
        fresh_warehouse(workdir),
        {**FIXTURE_VARS, "raw_data_dir": str(raw_dir), **file_vars},
    )
    models_built = "OK created" in result.output
    assert not models_built, "no model may be built from a bad raw file"
    return result.returncode, result.output


def test_missing_file(raw_dir: Path, area: Path) -> None:
    (raw_dir / "spotify_songs.csv").unlink()
    code, output = build(raw_dir, area)
    assert code != 0
    assert (
        f"{raw_dir}/spotify_songs.csv: raw file for source tidytuesday.playlist_tracks not found"
        in output
    )
    assert "SPOTIFY_RAW_DIR" in output


def rename_in_header(path: Path, old: str, new: str) -> None:
    """Edit only the header line of a CSV, as an export with renamed columns would be."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[0]
    lines[0] = lines[0].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")


def test_missing_column(raw_dir: Path, area: Path) -> None:
    path = raw_dir / "dataset.csv"
    rename_in_header(path, ",tempo,", ",bpm,")
    code, output = build(raw_dir, area)
    assert code != 0
    assert f"{path}: column 'tempo' missing from the header (source spotify.tracks)" in output


def test_several_missing_columns_are_all_named(raw_dir: Path, area: Path) -> None:
    rename_in_header(
        raw_dir / "spotify_songs.csv", "playlist_genre,playlist_subgenre", "genre,subgenre"
    )
    code, output = build(raw_dir, area)
    assert code != 0
    assert "columns 'playlist_genre', 'playlist_subgenre' missing from the header" in output


def test_binary_file_is_not_csv(raw_dir: Path, area: Path) -> None:
    (raw_dir / "dataset.csv").write_bytes(bytes(range(256)) * 40)
    code, output = build(raw_dir, area)
    assert code != 0
    assert f"{raw_dir}/dataset.csv: not a comma-separated CSV file" in output


def test_json_file_is_not_csv(raw_dir: Path, area: Path) -> None:
    (raw_dir / "dataset.csv").write_text('[{"track_id": "x"}]\n', encoding="utf-8")
    code, output = build(raw_dir, area)
    assert code != 0
    assert f"{raw_dir}/dataset.csv: " in output
    assert "missing from the header" in output or "not a comma-separated CSV" in output


def test_empty_file(raw_dir: Path, area: Path) -> None:
    (raw_dir / "dataset.csv").write_text("", encoding="utf-8")
    code, output = build(raw_dir, area)
    assert code != 0
    assert f"{raw_dir}/dataset.csv: file is empty" in output


def test_gzipped_input_is_read_like_plain_csv(raw_dir: Path, area: Path) -> None:
    """A newer export may come compressed: only the file name var changes."""
    plain = raw_dir / "dataset.csv"
    with plain.open("rb") as source, gzip.open(raw_dir / "dataset.csv.gz", "wb") as target:
        shutil.copyfileobj(source, target)
    plain.unlink()
    result = run_dbt(
        ["run", "--select", "stg_spotify__tracks"],
        area,
        fresh_warehouse(area),
        {**FIXTURE_VARS, "raw_data_dir": str(raw_dir), "tracks_file": "dataset.csv.gz"},
    )
    assert result.ok, result.output[-3000:]


def test_raw_dir_from_environment_variable(raw_dir: Path, tmp_path: Path) -> None:
    """SPOTIFY_RAW_DIR points the build at other files when no dbt var is given (other vars:
    a folder of its own, which leaves the module's saved parse alone)."""
    (raw_dir / "dataset.csv").unlink()
    warehouse = tmp_path / "warehouse.duckdb"
    file_vars = {k: v for k, v in FIXTURE_VARS.items() if k != "raw_data_dir"}
    result = run_dbt(
        ["build"], tmp_path, warehouse, file_vars, extra_env={"SPOTIFY_RAW_DIR": str(raw_dir)}
    )
    assert not result.ok
    assert f"{raw_dir}/dataset.csv: raw file for source spotify.tracks not found" in result.output


def test_truncated_gzip(raw_dir: Path, area: Path) -> None:
    """A download cut short: DuckDB's own error names the file and the problem."""
    compressed = gzip.compress((raw_dir / "dataset.csv").read_bytes())
    (raw_dir / "dataset.csv.gz").write_bytes(compressed[: len(compressed) // 2])
    code, output = build(raw_dir, area, tracks_file="dataset.csv.gz")
    assert code != 0
    assert f"{raw_dir}/dataset.csv.gz" in output
    assert "GZIP" in output
