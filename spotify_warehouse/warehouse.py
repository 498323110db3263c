"""Opening the DuckDB warehouse, for every Python reader (ML, reports, analysts' notebooks).

DuckDB lets one process write a database file at a time. `dbt build` is the writer; readers
open the file read-only, after the build. This module turns DuckDB's low-level errors into
messages that say what to do: build first, or wait for the process holding the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")
WAREHOUSE_ENV_VAR = "SPOTIFY_WAREHOUSE_PATH"
#: The run the live warehouse names: set by the atomic refresh (models_ml.refresh) for the
#: build's training, whose pruning of old scoring runs (models_ml.artifacts) spares it.
PROTECTED_RUN_ENV_VAR = "SPOTIFY_PROTECTED_RUN_ID"


class WarehouseUnavailableError(RuntimeError):
    """The warehouse file cannot be opened: missing, locked by a writer, or not DuckDB."""


def warehouse_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the warehouse file the same way profiles.yml does.

    An explicit path wins; else SPOTIFY_WAREHOUSE_PATH; else data/warehouse.duckdb.
    """
    if path is not None:
        return Path(path)
    return Path(os.environ.get(WAREHOUSE_ENV_VAR, DEFAULT_WAREHOUSE))


def describe_lock_error(path: Path, error: Exception) -> str:
    """Explain a DuckDB lock conflict in words, naming the holding process when DuckDB does."""
    holder = re.search(r"PID (\d+)", str(error))
    who = f"process {holder.group(1)}" if holder else "another process"
    return (
        f"{path}: the warehouse is locked by {who}, which has it open for writing "
        "(a running `dbt build`, or a notebook holding a read-write connection). "
        "Wait for the build to finish or close that connection, then retry."
    )


def connect_readonly(path: str | os.PathLike[str] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, with an actionable error when that is not possible."""
    resolved = warehouse_path(path)
    if not resolved.exists():
        raise WarehouseUnavailableError(
            f"{resolved}: warehouse not found. Build it first with `make build` "
            "(or `dbt build` from the repository root)."
        )
    try:
        return duckdb.connect(str(resolved), read_only=True)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseUnavailableError(describe_lock_error(resolved, error)) from error
        raise WarehouseUnavailableError(
            f"{resolved}: cannot open the warehouse: {error}"
        ) from error
    except duckdb.Error as error:
        raise WarehouseUnavailableError(
            f"{resolved}: not a readable DuckDB warehouse ({error}). "
            "Delete it and rebuild with `make build`."
        ) from error


def warehouse_run_id(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The training run whose results the warehouse publishes (ml.model_runs), if any."""
    try:
        rows = connection.execute("select distinct run_id from ml.model_runs").fetchall()
    except duckdb.CatalogException:
        return None
    if len(rows) != 1:
        return None
    return str(rows[0][0])


def ensure_writable(path: str | os.PathLike[str] | None = None) -> Path:
    """Fail early, in words, when another process holds the warehouse.

    `make build` calls this before `dbt build`, whose own lock error arrives wrapped in a long
    traceback. dbt still fails safely on its own if a writer appears in between.
    """
    resolved = warehouse_path(path)
    if not resolved.exists():
        return resolved
    try:
        duckdb.connect(str(resolved)).close()
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseUnavailableError(describe_lock_error(resolved, error)) from error
        raise
    return resolved


def main(argv: list[str] | None = None) -> int:
    """`python -m spotify_warehouse.warehouse check-writable`: exit 1 with a message if locked."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if args != ["check-writable"]:
        print("usage: python -m spotify_warehouse.warehouse check-writable", file=sys.stderr)
        return 2
    try:
        ensure_writable()
    except WarehouseUnavailableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
