"""Atomic warehouse refresh: a build that fails or is killed never costs the warehouse.

    python -m models_ml.refresh [DBT BUILD ARGUMENTS...]      (what `make build` runs)

`dbt build` writes its DuckDB file in place, so a build that fails half-way, or is killed,
would leave analysts a warehouse that is partly new and partly old. This command instead:

1. takes the refresh lock `<warehouse>.refresh.lock` (an OS file lock, released by the
   kernel whatever way this process ends): a second refresh of the same warehouse fails at
   once, naming the running one's PID, start time and command;
2. refuses to start while another process holds the live warehouse open for *writing*
   (a plain `dbt build`, a notebook's read-write connection); read-only readers are fine;
3. runs `dbt build ARGS` into a new file beside the live one, `<warehouse>.building`
   (a copy of the live file when ARGS select part of the project, so the unselected models
   stay as they are; an empty file otherwise), with the dbt process tied to this one: if
   this process dies, dbt is killed too;
4. only when dbt exits 0 (every model built and every data test passed) checks that the new
   file opens and holds a build record, flushes it to disk and renames it over the live
   file: one atomic rename on the same file system. Readers that have the old file open
   keep reading it until they close it; every connection opened after sees the new build.

On any failure (a failing test, an error, Ctrl-C, SIGTERM) the live file is left exactly as
it was, and the failed attempt's file is kept as `<warehouse>.failed` (replacing the
previous failed attempt's) for inspection; the message says where. After a `kill -9` of
this process, `<warehouse>.building` is what remains; the next refresh removes it.

The models folder follows the same rule by another route: scoring models are stored per
run id (models_ml.artifacts), and `predict` loads the run the live warehouse names, so the
warehouse and the models used with it always describe the same run.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from spotify_warehouse.commands import dbt_executable
from spotify_warehouse.warehouse import (
    PROTECTED_RUN_ENV_VAR,
    WAREHOUSE_ENV_VAR,
    warehouse_path,
    warehouse_run_id,
)

#: dbt arguments that build part of the project: the new file starts as a copy of the live one.
SELECTION_FLAGS = ("-s", "--select", "--exclude", "--selector", "-m", "--models")


class RefreshError(RuntimeError):
    """The refresh could not run or did not complete; the message says why and what remains."""


@dataclass(frozen=True)
class RefreshPaths:
    """The files one refresh of one warehouse uses, all in the live file's directory."""

    live: Path

    @property
    def building(self) -> Path:
        return self.live.with_name(self.live.name + ".building")

    @property
    def failed(self) -> Path:
        return self.live.with_name(self.live.name + ".failed")

    @property
    def lock(self) -> Path:
        return self.live.with_name(self.live.name + ".refresh.lock")


def wal(path: Path) -> Path:
    """DuckDB's write-ahead log of a database file."""
    return path.with_name(path.name + ".wal")


def remove_database(path: Path) -> None:
    """Delete a database file and its write-ahead log, if present."""
    for candidate in (path, wal(path)):
        candidate.unlink(missing_ok=True)


def move_database(source: Path, target: Path) -> None:
    """Rename a database file (and its log) over another, atomically per file."""
    remove_database(target)
    if wal(source).exists():
        os.replace(wal(source), wal(target))
    os.replace(source, target)


@contextmanager
def refresh_lock(paths: RefreshPaths, command: Sequence[str]) -> Iterator[int]:
    """Hold the refresh lock of a warehouse for the duration of the block.

    The lock is `flock` on a small file beside the warehouse: the kernel releases it when the
    holding process ends, however it ends, so a killed refresh never leaves a stale lock.
    The file records who holds it, for the message a second refresh prints.
    """
    paths.live.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(paths.lock)
            raise RefreshError(
                f"{paths.live}: another refresh is running ({holder}); wait for it to finish, "
                "or stop it, then retry"
            ) from None
        record = {
            "pid": os.getpid(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(command),
        }
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps(record).encode(), 0)
        yield descriptor
    finally:
        os.close(descriptor)


def _read_holder(lock: Path) -> str:
    try:
        record = json.loads(lock.read_text() or "{}")
    except (OSError, ValueError):
        record = {}
    if not record:
        return "holder unknown"
    return f"PID {record.get('pid')}, started {record.get('started_at')}: {record.get('command')}"


def writer_pid(path: Path) -> int | None:
    """PID of a process holding `path` open for writing through DuckDB, else None.

    DuckDB takes a POSIX write lock on the whole file for a read-write connection and a read
    lock for a read-only one. F_GETLK asks which lock would block a write lock without
    taking any, so readers are seen (and ignored) and nothing is disturbed.
    """
    if not path.exists():
        return None
    query = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
    with path.open("rb") as handle:
        answer = fcntl.fcntl(handle.fileno(), fcntl.F_GETLK, query)
    lock_type, _, _, _, pid = struct.unpack("hhqqi", answer)
    return pid if lock_type == fcntl.F_WRLCK else None


def live_run_id(path: Path) -> str | None:
    """The training run the live warehouse publishes (protected from pruning), if any."""
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as connection:
            return warehouse_run_id(connection)
    except duckdb.Error:
        return None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: have the kernel send SIGKILL to dbt when the refresh process dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def run_dbt(arguments: Sequence[str], building: Path, lock_descriptor: int) -> int:
    """`dbt build ARGS` into the building file; its output streams through unchanged."""
    env = {**os.environ, WAREHOUSE_ENV_VAR: str(building)}
    process = subprocess.Popen(
        [dbt_executable(), "build", *arguments],
        env=env,
        preexec_fn=_die_with_parent,  # the child sets PR_SET_PDEATHSIG
        pass_fds=(lock_descriptor,),
    )

    def forward(signum: int, _frame: object) -> None:
        process.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                # Ctrl-C reached dbt too (same process group); wait for it to stop cleanly.
                continue
    finally:
        signal.signal(signal.SIGTERM, previous)


def verify_build(building: Path) -> None:
    """The new file opens, holds this build's record, and has no pending log."""
    try:
        with duckdb.connect(str(building)) as connection:
            connection.execute("checkpoint")
            rows = connection.execute("select count(*) from operations.warehouse_builds").fetchone()
    except duckdb.Error as error:
        raise RefreshError(
            f"{building}: the new warehouse does not open cleanly ({error})"
        ) from error
    if not rows or rows[0] != 1:
        raise RefreshError(f"{building}: the new warehouse holds no build record")
    if wal(building).exists():
        raise RefreshError(f"{building}: the new warehouse still has a write-ahead log")


def fsync_path(path: Path) -> None:
    """Flush a file's (or directory's) contents to disk before the rename is relied on."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def swap_in_warehouse(paths: RefreshPaths) -> None:
    """Replace the live warehouse by the building one (one atomic rename)."""
    holder = writer_pid(paths.live)
    if holder is not None:
        raise RefreshError(
            f"{paths.live}: process {holder} opened the live warehouse for writing during the "
            f"refresh; the new build is kept at {paths.failed}, the live file is unchanged"
        )
    fsync_path(paths.building)
    # A stale log beside the live file would be replayed onto the new one: none may exist.
    wal(paths.live).unlink(missing_ok=True)
    os.replace(paths.building, paths.live)
    fsync_path(paths.live.parent)


def refresh(arguments: Sequence[str], live: Path | None = None) -> int:
    """Build into a new file and swap it in only on success; return dbt's exit status."""
    paths = RefreshPaths(warehouse_path(live))
    command = ["dbt", "build", *arguments]
    with refresh_lock(paths, command) as lock_descriptor:
        holder = writer_pid(paths.live)
        if holder is not None:
            raise RefreshError(
                f"{paths.live}: the warehouse is open for writing by process {holder} (a plain "
                "`dbt build` or a read-write connection); close it, then retry"
            )
        if paths.building.exists():
            print(f"refresh: removing {paths.building}, left by an interrupted refresh", flush=True)
        remove_database(paths.building)
        partial = any(arg.split("=")[0] in SELECTION_FLAGS for arg in arguments)
        if partial and paths.live.exists():
            shutil.copyfile(paths.live, paths.building)
        protected = live_run_id(paths.live)
        if protected:
            os.environ[PROTECTED_RUN_ENV_VAR] = protected
        print(f"refresh: building into {paths.building} (live: {paths.live})", flush=True)
        started = time.perf_counter()
        status = run_dbt(arguments, paths.building, lock_descriptor)
        built = time.perf_counter() - started
        committed = time.perf_counter()
        if status == 0:
            try:
                verify_build(paths.building)
            except RefreshError as error:
                print(f"refresh: {error}", file=sys.stderr, flush=True)
                status = 1
        if status != 0:
            kept = ""
            if paths.building.exists():
                move_database(paths.building, paths.failed)
                kept = f"; the failed attempt's warehouse is kept at {paths.failed}"
            print(
                f"refresh failed (dbt exit status {status}) after {built:.0f} s: {paths.live} is "
                f"unchanged{kept}. See the dbt output above, or logs/dbt.log.",
                file=sys.stderr,
                flush=True,
            )
            return status
        swap_in_warehouse(paths)
        remove_database(paths.failed)
        commit_seconds = time.perf_counter() - committed
        print(
            f"refresh: {paths.live} replaced by the new build ({built:.0f} s to build, "
            f"{commit_seconds * 1000:.0f} ms to check and swap in)",
            flush=True,
        )
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    try:
        return refresh(arguments)
    except RefreshError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        live = warehouse_path()
        print(f"refresh interrupted: {live} is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
