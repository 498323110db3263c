"""Cold build against a warm rebuild with nothing changed, on the real raw files.

    python bench/bench_reuse.py [--keep DIR]

1. A cold `dbt build` into a temporary warehouse and an empty models folder: every model
   trained, discovery built (as on a fresh clone, dbt's parse included).
2. A warm `dbt build` right after, same warehouse, same models folder, nothing changed: the
   training and discovery runs are reused by run id.

Prints both wall times and their ratio (the target: warm at most 10 % of cold), the dbt
stages of the cold build (run_results.json), where the cold ML and discovery time went
(per task and scenario, per model's fits, explanations, scoring models; per discovery
step; from the runs' manifests) with the reference RF's share, and the peak memory of
dbt. The builds' progress lines are shown as they come. Nothing in data/ is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
INCOMING = ROOT / "data" / "incoming"
sys.path.insert(0, str(ROOT))

from models_ml import artifacts  # noqa: E402
from models_ml.refresh import dbt_executable  # noqa: E402
from models_ml.stage_times import dbt_stages  # noqa: E402

#: Lines of dbt's output worth showing live: the training stages' progress and reuse notes.
SHOWN = ("ML ", "ML:", "discovery ", "discovery:", "ERROR", "Completed", "Done.")


def build(workdir: Path, label: str) -> float:
    """One `dbt build` of the real data in `workdir`; returns its wall seconds."""
    env = {
        **os.environ,
        "SPOTIFY_WAREHOUSE_PATH": str(workdir / "warehouse.duckdb"),
        "SPOTIFY_MODELS_DIR": str(workdir / "models"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    env.pop("SPOTIFY_RAW_DIR", None)
    command = [
        dbt_executable(),
        "build",
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        "--vars",
        f"{{raw_data_dir: '{RAW}', incoming_dir: '{INCOMING}'}}",
    ]
    print(f"{label}: dbt build ...", flush=True)
    started = time.perf_counter()
    tail: list[str] = []
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            tail = [*tail[-40:], line]
            if any(marker in line for marker in SHOWN):
                print(f"  {line.rstrip()}", flush=True)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{label} build failed:\n{''.join(tail)}")
    return elapsed


def manifest(models: Path, kind: str) -> dict:
    (folder,) = [path for path in (models / kind).iterdir() if not path.name.startswith(".")]
    return json.loads((folder / artifacts.MANIFEST).read_text())


def report(workdir: Path, cold: float, warm: float, cold_stages: dict[str, float]) -> None:
    print(f"\ncold build: {cold:7.1f} s")
    for stage, seconds in cold_stages.items():
        print(f"  {stage:<22} {seconds:7.1f} s")
    print(f"warm build: {warm:7.1f} s   warm/cold = {warm / cold:.3f} (target <= 0.10)")

    ml = manifest(workdir / "models", artifacts.ML)["seconds"]
    fits = ml["fits_by_model"]
    ml_total = ml["evaluation"] + ml["scoring_fit"]
    print(f"\ncold ML stage, as the run recorded it: {ml_total:.1f} s")
    for task, seconds in ml["by_task"].items():
        print(f"  cross-validation {task:<28} {seconds:7.1f} s")
    for model, seconds in fits.items():
        print(f"  fits of {model:<37} {seconds:7.1f} s")
    print(f"  {'explanations (importance, SHAP, PD)':<45} {ml['explanations']:7.1f} s")
    print(f"  {'scoring models (3 fits on every track)':<45} {ml['scoring_fit']:7.1f} s")
    print(f"  reference RF share of the ML stage: {fits['reference_rf'] / ml_total:.1%}")

    discovery = manifest(workdir / "models", artifacts.DISCOVERY)["seconds"]
    print(f"\ncold discovery stage: {discovery['build']:.1f} s")
    for step, seconds in discovery["steps"].items():
        print(f"  {step:<45} {seconds:7.1f} s")
    # ru_maxrss of waited-for children is in KiB on Linux: the largest dbt process seen.
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak memory (max RSS of dbt): {peak_mib:.0f} MiB")
    print(f"cores: {os.cpu_count()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_reuse_") as tmp:
        workdir = arguments.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        cold = build(workdir, "cold")
        cold_stages = dbt_stages(json.loads((workdir / "target" / "run_results.json").read_text()))
        warm = build(workdir, "warm")
        report(workdir, cold, warm, cold_stages)


if __name__ == "__main__":
    main()
