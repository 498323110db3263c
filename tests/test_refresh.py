"""The atomic refresh (`make build` = `python -m models_ml.refresh`): a build that fails or is
killed at any point leaves the previous warehouse byte for byte, readers are never blocked,
and two refreshes never race.

Each test starts from a private copy of the fixture warehouse (the "live" file) and runs the
refresh as a user would, in its own process group, so a test can kill it like a terminal's
Ctrl-C, `kill -9` or the OOM killer would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from models_ml.refresh import RefreshPaths
from tests.support import (
    FIXTURE_RAW,
    FIXTURE_VARS,
    ROOT,
    DbtResult,
    dbt_env,
    refresh_command,
    reuse_parse,
    scalar,
    sha256,
    writer_holding,
)

pytestmark = pytest.mark.dbt_fixture

#: The warehouse layers only: enough to exercise the swap in ~30 s.
WAREHOUSE_ONLY = ["--exclude", "int_ml_models_trained+"]


@pytest.fixture
def live(fixture_build: tuple[Path, DbtResult], tmp_path: Path) -> Path:
    """A private copy of the built fixture warehouse: the file analysts have open (and the
    build's parse, which refreshes with the fixture's vars start from: `reuse_parse`)."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_build[0], copy)
    shutil.copytree(fixture_build[0].parent / "models", tmp_path / "models")
    reuse_parse(fixture_build[0].parent, tmp_path)
    return copy


def start_refresh(
    live: Path, args: list[str], dbt_vars: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start a refresh of `live` in its own process group, output on a pipe.

    SIGINT gets its default disposition in the child, as in a terminal: a test run started
    in the background by a non-interactive shell (`make test &`, a CI runner) inherits SIGINT
    ignored, and the Ctrl-C test would then watch a refresh that cannot be interrupted.
    """
    return subprocess.Popen(
        refresh_command(args, live.parent, dbt_vars or FIXTURE_VARS),
        cwd=ROOT,
        env=dbt_env(live.parent, live),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_interruptible,
    )


def _interruptible() -> None:
    """In the child before exec: SIGINT back to its default, so Python raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(process: subprocess.Popen[str], timeout: float = 600) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def mart_counts(path: Path) -> dict[str, int]:
    """Row count of every mart: each one must be readable."""
    with duckdb.connect(str(path), read_only=True) as connection:
        marts = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        assert marts, "the warehouse has no marts"
        return {name: scalar(connection, f"select count(*) from marts.{name}") for name in marts}


def build_id(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as connection:
        return str(scalar(connection, "select invocation_id from operations.warehouse_builds"))


def wait_for_line(process: subprocess.Popen[str], needle: str, timeout: float = 300) -> list[str]:
    """Read the refresh's output until a line holding `needle`; return what was read."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"never saw {needle!r}; output:\n{''.join(seen)[-3000:]}")


@pytest.mark.parametrize(
    ("stage", "needle", "args", "kill_group"),
    [
        # While staging reads the raw files; the whole process group dies (like the OOM killer).
        ("staging", "START sql view model staging.stg_spotify__tracks", WAREHOUSE_ONLY, True),
        # While the ML stage trains, in dbt's Python model; only the refresh process is killed:
        # dbt must die with it (PR_SET_PDEATHSIG) and never swap anything in.
        ("python model", "START python table model intermediate.int_ml_models_trained", [], False),
        # While the data tests run, after every table of the new file was written.
        ("data tests", "START test accepted_range_dim_tracks_popularity", WAREHOUSE_ONLY, True),
    ],
)
def test_a_killed_refresh_leaves_the_warehouse_byte_for_byte(
    live: Path, stage: str, needle: str, args: list[str], kill_group: bool
) -> None:
    before_hash, before_counts = sha256(live), mart_counts(live)
    process = start_refresh(live, args)
    wait_for_line(process, needle)
    if kill_group:
        os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()
    process.wait(timeout=60)
    if not kill_group:
        # dbt, the refresh's child, is gone too (it would otherwise go on writing).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError(f"dbt outlived the refresh killed during {stage}")
    assert sha256(live) == before_hash, stage
    assert mart_counts(live) == before_counts
    # What remains is the attempt's own file, never the live one (the next refresh clears
    # it: test_readers_are_not_blocked_by_a_refresh).
    assert RefreshPaths(live).building.exists()


def test_a_failing_data_test_keeps_the_previous_warehouse(live: Path, tmp_path: Path) -> None:
    """A tracks file with a header and no line builds every model but fails not_empty."""
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE_RAW, raw)
    header = (raw / "dataset.csv").read_text(encoding="utf-8").splitlines(keepends=True)[0]
    (raw / "dataset.csv").write_text(header, encoding="utf-8")
    before_hash = sha256(live)
    code, output = finish(
        start_refresh(live, WAREHOUSE_ONLY, {**FIXTURE_VARS, "raw_data_dir": str(raw)})
    )
    assert code != 0
    assert "not_empty_stg_spotify__tracks" in output and "FAIL" in output
    paths = RefreshPaths(live)
    assert sha256(live) == before_hash
    assert f"{live} is unchanged; the failed attempt's warehouse is kept at {paths.failed}" in (
        output
    )
    assert paths.failed.exists() and not paths.building.exists()


def test_a_second_refresh_fails_at_once_naming_the_running_one(live: Path) -> None:
    before_hash = sha256(live)
    # The whole build (its ML stage trains: about a minute), so that it is still running
    # when the second refresh has been refused and the first one is interrupted.
    first = start_refresh(live, [])
    try:
        wait_for_line(first, "Running with dbt")
        started = time.monotonic()
        second = subprocess.run(
            refresh_command(WAREHOUSE_ONLY, live.parent, FIXTURE_VARS),
            cwd=ROOT,
            env=dbt_env(live.parent, live),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert time.monotonic() - started < 20, "the second refresh must not wait"
        assert second.returncode == 2
        assert f"{live}: another refresh is running (PID {first.pid}, started " in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        # Ctrl-C in the first one's terminal: the whole group gets SIGINT, dbt stops.
        os.killpg(first.pid, signal.SIGINT)
        code, output = finish(first)
    assert code != 0, output[-4000:]
    assert f"{live} is unchanged" in output
    assert sha256(live) == before_hash


def test_refresh_refuses_while_another_process_writes(live: Path) -> None:
    before = sha256(live)
    with writer_holding(live) as holder:
        code, output = finish(start_refresh(live, WAREHOUSE_ONLY))
    assert code == 2
    assert f"open for writing by process {holder.pid}" in output
    assert sha256(live) == before


@contextmanager
def reading_continuously(path: Path) -> Iterator[dict[str, object]]:
    """A read-only connection held open and queried in a loop, as a notebook or the report
    builder would, until the block ends; collects its results and any error."""
    state: dict[str, object] = {"queries": 0, "error": None, "stop": False}
    connection = duckdb.connect(str(path), read_only=True)

    def read() -> None:
        try:
            while not state["stop"]:
                connection.execute("select count(*) from marts.dim_tracks").fetchone()
                state["queries"] = int(state["queries"]) + 1  # type: ignore[arg-type]
                time.sleep(0.05)
        except Exception as error:  # any failure is the test's finding
            state["error"] = error

    reader = threading.Thread(target=read)
    reader.start()
    try:
        yield state
    finally:
        state["stop"] = True
        reader.join(timeout=30)
        connection.close()


def test_readers_are_not_blocked_by_a_refresh(live: Path) -> None:
    """Also: a refresh replaces the warehouse and clears what an interrupted one left."""
    before = build_id(live)
    paths = RefreshPaths(live)
    paths.building.write_bytes(b"left by a refresh killed with SIGKILL")
    with reading_continuously(live) as reading:
        code, output = finish(start_refresh(live, WAREHOUSE_ONLY))
        time.sleep(0.3)
    assert code == 0, output[-3000:]
    assert "left by an interrupted refresh" in output
    assert f"refresh: {live} replaced by the new build" in output
    assert not paths.building.exists() and not paths.failed.exists()
    assert mart_counts(live)
    assert reading["error"] is None, reading["error"]
    assert int(reading["queries"]) > 10  # type: ignore[arg-type]
    # A connection opened after the refresh sees the new build (in another process, as
    # DuckDB shares one database instance per file inside a process).
    after = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True)"
            ".execute('select invocation_id from operations.warehouse_builds').fetchone()[0])",
            str(live),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert after != before
