"""Time the report site build on a built warehouse (target: under 10 s on 2 cores).

    python bench/bench_reports.py [--warehouse data/warehouse.duckdb] [--runs 3]

Each run is `python -m reports build` in a fresh interpreter (imports included, as a user
runs it) into a temporary folder; prints each wall time, the median, the page count and the
largest page. The first run also pays for vl-convert's JavaScript bundle, which every run
builds again (it is cached per process only).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_once(warehouse: Path, output: Path) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "reports",
            "build",
            "--warehouse",
            str(warehouse),
            "--output",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(completed.stderr.strip())
    return seconds, completed.stdout.splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=ROOT / "data" / "warehouse.duckdb")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            seconds, summary = build_once(args.warehouse, Path(scratch) / f"site-{run}")
            times.append(seconds)
            print(f"run {run + 1}: {seconds:.2f} s wall ({summary})")
    builder = re.search(r"in ([\d.]+) s", summary)
    spread = f"min {min(times):.2f}, max {max(times):.2f}"
    print(
        f"median {statistics.median(times):.2f} s wall ({spread}); target 10 s; "
        f"last builder time {builder.group(1) if builder else '?'} s"
    )


if __name__ == "__main__":
    main()
