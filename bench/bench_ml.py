"""Time the ML stage on the real data, report its peak memory and the metrics against targets.

    python bench/bench_ml.py [--warehouse data/warehouse.duckdb]

Reads the modelling frame (intermediate.int_tracks_labelled) from a built warehouse,
read-only, and runs exactly what `dbt build` runs in int_ml_models_trained
(models_ml.training.run) into a temporary models folder: the cross-validation of the three
models for every task and scenario, the explanations, and the scoring models. Prints the
wall time, the fit time per model, and the process's peak resident memory.

Then prints the mean fold metrics of the run just timed, next to the targets of issue 16,
so a settings change is timed and scored in one go, without a rebuild: accuracy,
any-genre accuracy, R² and MAE computed from the run's own prediction tables the way
ml.model_metrics computes them in SQL (per fold, then the mean), and the macro AUC from its
fold_metrics table (the one metric Python computes).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models_ml import training  # noqa: E402
from models_ml.config import MLSettings  # noqa: E402
from spotify_warehouse.warehouse import connect_readonly  # noqa: E402
from tests.support import read_run_table  # noqa: E402

# (task, scenario, model, metric) -> target, from issue 16 (mean of 5 folds, real data).
TARGETS: dict[tuple[str, str, str, str], float] = {
    ("popularity", "catalog", "best", "r2"): 0.72,
    ("popularity", "cold_start", "best", "r2"): 0.45,
    ("track_genre", "catalog", "audio_only", "accuracy"): 0.38,
    ("playlist_genre", "cold_start", "best", "accuracy"): 0.60,
}
#: Per fold, from the run's prediction tables (as model_metrics.sql computes them).
FOLD_METRICS_SQL = """
with

popularity as (
    select
        'popularity' as task, scenario, model, fold,
        actual_popularity as actual, predicted_popularity as predicted,
        avg(actual_popularity) over (partition by scenario, model, fold) as fold_mean
    from read_parquet($popularity)
),

popularity_folds as (
    select task, scenario, model, fold, 'r2' as metric,
           1 - sum((actual - predicted) ^ 2) / sum((actual - fold_mean) ^ 2) as value
    from popularity group by all
    union all
    select task, scenario, model, fold, 'mae', avg(abs(actual - predicted))
    from popularity group by all
),

genre_folds as (
    select task, scenario, model, fold, 'accuracy' as metric,
           avg(cast(predicted_genre = actual_genre as double)) as value
    from read_parquet($genres) group by all
    union all
    select task, scenario, model, fold, 'any_genre_accuracy',
           avg(cast(list_contains(actual_genres, predicted_genre) as double))
    from read_parquet($genres) group by all
),

auc_folds as (
    select task, scenario, model, fold, metric, value
    from read_parquet($fold_metrics) where metric = 'roc_auc_ovr_macro'
)

select * from popularity_folds
union all select * from genre_folds
union all select * from auc_folds
"""


def fold_metrics(run_folder: Path) -> pd.DataFrame:
    """Every fold's metrics of a run folder: task, scenario, model, fold, metric, value."""
    paths = {
        "popularity": str(run_folder / "popularity_predictions.parquet"),
        "genres": str(run_folder / "genre_predictions.parquet"),
        "fold_metrics": str(run_folder / "fold_metrics.parquet"),
    }
    with duckdb.connect() as connection:
        return connection.execute(FOLD_METRICS_SQL, paths).df()


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
        folds = fold_metrics(Path(summary["run_folder"]))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"tracks: {len(tracks):,}")
    print(
        f"ML stage: {elapsed:.1f} s wall (evaluation {summary['evaluation_seconds']:.1f} s, "
        f"scoring models {summary['scoring_fit_seconds']:.1f} s); peak RSS {peak_mib:,.0f} MiB"
    )
    print("\nfit seconds, summed over the 5 folds:")
    fits = runs.pivot_table(index=["task", "scenario"], columns="model", values="fit_seconds")
    print(fits.round(1).to_string())

    means = folds.groupby(["task", "scenario", "metric", "model"])["value"].mean()
    table = means.unstack("model")
    models = ("baseline", "reference_rf", "best", "audio_only", "browser_mlp")
    shown = [model for model in models if model in table]
    table = table[shown]
    table["target (model)"] = [
        ", ".join(
            f"{target} ({model})"
            for (task, scenario, model, metric), target in TARGETS.items()
            if (task, scenario, metric) == key
        )
        for key in table.index
    ]
    print("\nmean over the 5 folds:")
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
