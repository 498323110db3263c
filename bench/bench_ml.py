"""Time the ML stage on the real data, report its peak memory and the metrics against targets.

    python bench/bench_ml.py [--warehouse data/warehouse.duckdb]

Reads the modelling frame (intermediate.int_tracks_labelled) from a built warehouse,
read-only, and runs exactly what `dbt build` runs in int_ml_models_trained
(models_ml.training.run) into a temporary models folder: the cross-validation of the three
models for every task and scenario, the explanations, and the scoring models. Prints the
wall time, the fit time per model, and the process's peak resident memory.

Then prints the mean fold metrics of the run just timed (its own fold_metrics table, the
source of ml.model_metrics) next to the targets of the ML issue, so a settings change is
timed and scored in one go, without a rebuild.
Targets on the 2-core reference machine: under 3 minutes, under 6 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models_ml import training  # noqa: E402
from models_ml.config import MLSettings  # noqa: E402
from spotify_warehouse.warehouse import connect_readonly  # noqa: E402
from tests.support import read_run_table  # noqa: E402

# (task, scenario, model, metric) -> target, from the ML issue. The reference RF's own
# numbers are the bar for "best beats reference" and are printed beside.
TARGETS: dict[tuple[str, str, str], float] = {
    ("track_genre", "catalog", "accuracy"): 0.55,
    ("track_genre", "catalog", "macro_f1"): 0.36,
    ("track_genre", "catalog", "top_5_accuracy"): 0.65,
    ("playlist_genre", "catalog", "accuracy"): 0.65,
    ("playlist_genre", "cold_start", "accuracy"): 0.60,
    ("popularity", "catalog", "r2"): 0.65,
    ("popularity", "cold_start", "r2"): 0.40,
}
PRIMARY = ("accuracy", "macro_f1", "top_5_accuracy", "roc_auc_ovr_macro", "r2", "mae", "rmse")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", default=None, help="default: the project's warehouse")
    arguments = parser.parse_args()

    with connect_readonly(arguments.warehouse) as connection:
        tracks = connection.execute("select * from intermediate.int_tracks_labelled").df()

    with tempfile.TemporaryDirectory(prefix="bench-ml-") as folder:
        started = time.perf_counter()
        # An empty models folder: nothing to reuse, the run trains (with progress lines).
        summary = training.run(tracks, MLSettings(), Path(folder))
        elapsed = time.perf_counter() - started
        runs = read_run_table(Path(summary["run_folder"]), "model_runs")
        folds = read_run_table(Path(summary["run_folder"]), "fold_metrics")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"tracks: {len(tracks):,}")
    print(
        f"ML stage: {elapsed:.1f} s wall (evaluation {summary['evaluation_seconds']:.1f} s, "
        f"scoring models {summary['scoring_fit_seconds']:.1f} s); peak RSS {peak_mib:,.0f} MiB"
    )
    print("\nfit seconds, summed over the 5 folds:")
    fits = runs.pivot_table(index=["task", "scenario"], columns="model", values="fit_seconds")
    print(fits.round(1).to_string())

    table = (
        folds[folds["metric"].isin(PRIMARY)]
        .pivot_table(
            index=["task", "scenario", "metric"],
            columns="model",
            values="value",
            aggfunc="mean",
            dropna=False,  # keep a metric that one model (audio_only) does not have
        )
        .dropna(how="all")
    )
    table["target"] = [TARGETS.get(key) for key in table.index]
    print("\nmean over the 5 folds:")
    models = ("baseline", "reference_rf", "best", "audio_only")
    shown = [model for model in models if model in table]
    print(table[[*shown, "target"]].round(3).to_string())


if __name__ == "__main__":
    main()
