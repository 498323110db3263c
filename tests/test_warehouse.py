"""Unit tests of spotify_warehouse.warehouse: path resolution and error messages."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from spotify_warehouse.warehouse import (
    DEFAULT_WAREHOUSE,
    WarehouseUnavailableError,
    connect_readonly,
    describe_lock_error,
    warehouse_path,
)

pytestmark = pytest.mark.unit


def test_path_defaults_to_data_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPOTIFY_WAREHOUSE_PATH", raising=False)
    assert warehouse_path() == DEFAULT_WAREHOUSE == Path("data/warehouse.duckdb")


def test_path_follows_environment_like_profiles_yml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOTIFY_WAREHOUSE_PATH", "/elsewhere/w.duckdb")
    assert warehouse_path() == Path("/elsewhere/w.duckdb")
    assert warehouse_path("explicit.duckdb") == Path("explicit.duckdb")


def test_missing_warehouse_says_what_to_run(tmp_path: Path) -> None:
    expected = re.escape("warehouse not found. Build it first with `make build`")
    with pytest.raises(WarehouseUnavailableError, match=expected):
        connect_readonly(tmp_path / "absent.duckdb")


def test_file_that_is_not_duckdb(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_text("not a database", encoding="utf-8")
    with pytest.raises(WarehouseUnavailableError, match=re.escape(str(bogus))):
        connect_readonly(bogus)


def test_lock_message_names_the_holder() -> None:
    error = duckdb.IOException(
        'IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held in '
        "/usr/bin/python3.11 (PID 4242) by user root."
    )
    message = describe_lock_error(Path("w.duckdb"), error)
    assert message.startswith("w.duckdb: the warehouse is locked by process 4242")


def test_lock_message_without_pid() -> None:
    message = describe_lock_error(Path("w.duckdb"), duckdb.IOException("Could not set lock"))
    assert "locked by another process" in message


def test_opens_a_real_warehouse_read_only(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create table t as select 1 as x")
    connection = connect_readonly(path)
    try:
        assert connection.execute("select x from t").fetchall() == [(1,)]
        with pytest.raises(duckdb.Error):
            connection.execute("insert into t values (2)")
    finally:
        connection.close()
