"""Where a `make` run spent its time: SQL layers, ML, discovery, reports.

    python -m models_ml.stage_times run NAME -- COMMAND...   time COMMAND, record it as NAME
    python -m models_ml.stage_times show [--target DIR]      print the summary

`make` ends with `show`: the dbt stages come from dbt's own record of the last build
(<target>/run_results.json: the ML stage is the node int_ml_models_trained, discovery
int_discovery_built, and "SQL layers and tests" the rest of the build's wall time, which
runs beside them in dbt's other thread only briefly), whether each training run was trained
or reused comes from the warehouse, and stages timed with `run` (the reports) from
<target>/stage_times.json. Stages recorded before the last build are left out as stale.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb

from spotify_warehouse.progress import duration
from spotify_warehouse.warehouse import WarehouseUnavailableError, connect_readonly

DEFAULT_TARGET = Path("target")
RECORD = "stage_times.json"
#: The dbt nodes that are stages of their own, and the warehouse table saying if reused.
DBT_STAGES = {
    "ML": "int_ml_models_trained",
    "discovery": "int_discovery_built",
}


def dbt_stages(run_results: dict) -> dict[str, float]:
    """Seconds per stage of the build `run_results` (dbt's run_results.json) describes."""
    by_name = {
        result["unique_id"].split(".")[-1]: float(result.get("execution_time") or 0.0)
        for result in run_results.get("results", [])
    }
    total = float(run_results.get("elapsed_time") or 0.0)
    stages = {stage: by_name.get(node, 0.0) for stage, node in DBT_STAGES.items()}
    return {"SQL layers and tests": max(total - sum(stages.values()), 0.0), **stages}


def reuse_notes(warehouse: str | None = None) -> dict[str, str]:
    """'trained' / 'reused run ...' per training stage, as the warehouse records it."""
    notes: dict[str, str] = {}
    try:
        connection = connect_readonly(warehouse)
    except WarehouseUnavailableError:
        return notes
    with connection:
        for stage, node in DBT_STAGES.items():
            try:
                row = connection.execute(
                    f"select is_reused, run_id from intermediate.{node}"
                ).fetchone()
            except duckdb.Error:
                continue
            if row is not None:
                notes[stage] = f"reused run {row[1]}" if row[0] else f"trained run {row[1]}"
    return notes


def summary(target: Path, warehouse: str | None = None) -> str:
    """The per-stage summary of the last build and what was timed after it."""
    results_path = target / "run_results.json"
    if not results_path.exists():
        return f"{results_path}: no build recorded yet; run `make build` first"
    stages = dbt_stages(json.loads(results_path.read_text()))
    record_path = target / RECORD
    if record_path.exists():
        built = results_path.stat().st_mtime
        for name, entry in json.loads(record_path.read_text()).items():
            if entry["finished_at"] >= built:
                stages[name] = entry["seconds"]
    notes = reuse_notes(warehouse)
    width = max(len(name) for name in stages)
    lines = ["Time per stage:"]
    for name, seconds in stages.items():
        note = f"   ({notes[name]})" if name in notes else ""
        lines.append(f"  {name:<{width}}  {duration(seconds):>7}{note}")
    lines.append(f"  {'total':<{width}}  {duration(sum(stages.values())):>7}")
    return "\n".join(lines)


def run_and_record(name: str, command: Sequence[str], target: Path) -> int:
    """Run `command`, record its wall time as stage `name`; return its exit status."""
    started = time.perf_counter()
    status = subprocess.call(list(command))
    if status == 0:
        target.mkdir(parents=True, exist_ok=True)
        record_path = target / RECORD
        record = json.loads(record_path.read_text()) if record_path.exists() else {}
        record[name] = {"seconds": time.perf_counter() - started, "finished_at": time.time()}
        record_path.write_text(json.dumps(record, indent=2))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models_ml.stage_times")
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET, help="dbt target folder")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="time a command as a stage")
    run.add_argument("name")
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="-- COMMAND ...")
    commands.add_parser("show", help="print the time per stage of the last build")
    arguments = parser.parse_args(argv)
    if arguments.command == "run":
        command = arguments.cmd[1:] if arguments.cmd[:1] == ["--"] else arguments.cmd
        if not command:
            parser.error("run needs a command after --")
        return run_and_record(arguments.name, command, arguments.target)
    print(summary(arguments.target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
