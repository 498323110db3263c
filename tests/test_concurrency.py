"""One writer at a time: a build against a warehouse another process holds fails with a
clear message and leaves the file as it was; readers get an actionable error too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from spotify_warehouse.warehouse import WarehouseUnavailableError, connect_readonly
from tests.support import FIXTURE_VARS, DbtResult, run_dbt, scalar, sha256, writer_holding

pytestmark = pytest.mark.dbt_fixture


@pytest.fixture
def built_copy(fixture_build: tuple[Path, DbtResult], tmp_path: Path) -> Path:
    """A private copy of the fixture warehouse that this test may lock."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_build[0], copy)
    return copy


def table_counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = connection.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        return {name: scalar(connection, f"select count(*) from {name}") for (name,) in tables}


def test_build_while_another_process_writes_fails_clearly(
    fixture_build: tuple[Path, DbtResult], built_copy: Path, tmp_path: Path
) -> None:
    before_hash, before_counts = sha256(built_copy), table_counts(built_copy)
    with writer_holding(built_copy) as holder:
        result = run_dbt(
            ["build"], tmp_path, built_copy, FIXTURE_VARS, parsed_in=fixture_build[0].parent
        )
        assert not result.ok
        assert "Could not set lock on file" in result.output
        assert str(built_copy) in result.output
        assert f"PID {holder.pid}" in result.output
    assert sha256(built_copy) == before_hash
    assert table_counts(built_copy) == before_counts


def test_reader_gets_actionable_message_while_locked(built_copy: Path) -> None:
    with (
        writer_holding(built_copy) as holder,
        pytest.raises(WarehouseUnavailableError) as caught,
    ):
        connect_readonly(built_copy)
    message = str(caught.value)
    assert f"locked by process {holder.pid}" in message
    assert "Wait for the build to finish" in message


def test_readers_share_the_warehouse(built_copy: Path) -> None:
    first = connect_readonly(built_copy)
    second = connect_readonly(built_copy)
    try:
        assert scalar(first, "select count(*) from marts.dim_tracks") == scalar(
            second, "select count(*) from marts.dim_tracks"
        )
    finally:
        first.close()
        second.close()


def check_writable(warehouse: Path) -> subprocess.CompletedProcess[str]:
    """The pre-check `make build` runs before `dbt build`."""
    return subprocess.run(
        [sys.executable, "-m", "spotify_warehouse.warehouse", "check-writable"],
        env={**os.environ, "SPOTIFY_WAREHOUSE_PATH": str(warehouse)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_build_precheck_reports_the_lock(built_copy: Path) -> None:
    with writer_holding(built_copy) as holder:
        locked = check_writable(built_copy)
    assert locked.returncode == 1
    assert f"locked by process {holder.pid}" in locked.stderr
    free = check_writable(built_copy)
    assert free.returncode == 0, free.stderr
