"""Time the full `dbt build` on the real raw files and report peak memory.

    python bench/bench_dbt_build.py [--runs 5]

Each run builds a fresh warehouse in a temporary directory (nothing in data/ is touched) and
is timed from the shell's point of view: process start, parse, every model and test. The
first run parses the project from scratch (as on a fresh clone); later runs reuse dbt's
partial-parse cache in the shared target folder, as an engineer's repeated `dbt build` does.
Prints every run, the median of the warm runs, and the peak resident memory of dbt.

By default the ML and discovery layers (int_ml_models_trained and everything downstream of
it, int_discovery_built included) are left out: this measures the warehouse layers, target
under 20 s on the 2-core reference machine.
`--with-ml` times the whole build: the first run trains, later runs reuse its training and
discovery runs (same inputs; bench/bench_reuse.py compares the two); bench/bench_ml.py times
the ML stage on its own.
`--refresh` times the atomic refresh that `make build` runs (python -m models_ml.refresh:
the same dbt build into a new file, then a check and a rename over the previous warehouse)
instead of a plain `dbt build`, and prints what the check and swap added to each run.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from models_ml.refresh import dbt_executable

ROOT = Path(__file__).resolve().parents[1]


SWAP_LINE = re.compile(r"(\d+) ms to check and swap in")


def build_once(
    workdir: Path, warehouse: Path, with_ml: bool, refresh: bool = False
) -> tuple[float, float | None]:
    """One full build of `warehouse`, dbt artefacts in `workdir`; returns wall seconds and,
    for a refresh, the seconds its check and swap took."""
    env = {
        **os.environ,
        "SPOTIFY_WAREHOUSE_PATH": str(warehouse),
        "SPOTIFY_MODELS_DIR": str(workdir / "models"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop("SPOTIFY_RAW_DIR", None)
    runner = [sys.executable, "-m", "models_ml.refresh"] if refresh else [dbt_executable(), "build"]
    command = [
        *runner,
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        "--vars",
        f"{{raw_data_dir: '{ROOT / 'data' / 'raw'}'}}",
    ]
    if not with_ml:
        command += ["--exclude", "int_ml_models_trained+"]
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{completed.stdout[-4000:]}{completed.stderr[-2000:]}")
    swap = SWAP_LINE.search(completed.stdout)
    return elapsed, (int(swap.group(1)) / 1000 if swap else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="number of timed builds (default 5)")
    parser.add_argument(
        "--with-ml", action="store_true", help="include the ML and discovery layers"
    )
    parser.add_argument(
        "--refresh", action="store_true", help="time the atomic refresh (make build) instead"
    )
    args = parser.parse_args()

    timings = []
    swaps = []
    with tempfile.TemporaryDirectory(prefix="bench_dbt_build_") as tmp:
        workdir = Path(tmp)
        # Same warehouse path every run: a changed profile would void the parse cache.
        warehouse = workdir / "warehouse.duckdb"
        cold, _ = build_once(workdir, warehouse, args.with_ml, args.refresh)
        print(f"cold run (full parse): {cold:6.2f} s")
        for run in range(1, args.runs + 1):
            if not args.refresh:  # a refresh builds a new file and replaces this one
                warehouse.unlink()
            seconds, swap = build_once(workdir, warehouse, args.with_ml, args.refresh)
            timings.append(seconds)
            note = f" (check and swap: {swap * 1000:.0f} ms)" if swap is not None else ""
            if swap is not None:
                swaps.append(swap)
            print(f"run {run}: {seconds:6.2f} s{note}")

    # ru_maxrss of waited-for children is in KiB on Linux: the largest dbt process seen.
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"median wall time: {statistics.median(timings):.2f} s over {len(timings)} warm runs "
        f"(min {min(timings):.2f}, max {max(timings):.2f})"
    )
    if swaps:
        print(f"median check and swap: {statistics.median(swaps) * 1000:.0f} ms")
    print(f"peak memory (max RSS of dbt): {peak_mib:.0f} MiB")
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
