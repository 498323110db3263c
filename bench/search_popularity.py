"""Choose the popularity models' features and hyperparameters on an inner validation split.

    python bench/search_popularity.py [--warehouse data/warehouse.duckdb] [--scenario catalog]
        [--params] [--library lightgbm|sklearn] [--features ...] [--only ...]

Honest model choice (issue 16): the reported metrics are the means of the 5 outer folds, so
nothing is chosen on them. This script takes outer fold 0's *training* tracks only, splits
them again by the scenario's group (song or artist; 4 parts to 1, seeded), builds each
candidate's design matrices exactly as the cross-validation does (`features.fold_matrices`,
out-of-fold encodings from the inner training part) and prints the validation R² and fit
time of each candidate, fitted on one thread as training fits them, with LightGBM (the
model training uses, `estimators.LightGBMRegressor`) or scikit-learn's histogram gradient
boosting (the earlier choice, for comparison). docs/ml.md records the tables and the choice.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import r2_score
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models_ml.config import STRUCTURE_FEATURES, MLSettings, scenario_by_name, task_by_name  # noqa: E402
from models_ml.estimators import LightGBMRegressor  # noqa: E402
from models_ml.evaluation import task_frame  # noqa: E402
from models_ml.features import fold_matrices  # noqa: E402
from models_ml.splits import assign_folds  # noqa: E402
from spotify_warehouse.warehouse import connect_readonly  # noqa: E402

#: Candidate hyperparameters (max_iter, learning_rate, max_leaf_nodes, min_samples_leaf).
PARAMS: tuple[tuple[int, float, int, int], ...] = (
    (400, 0.05, 63, 20),
    (400, 0.1, 63, 20),
    (400, 0.1, 31, 40),
    (600, 0.05, 127, 20),
    (800, 0.05, 255, 20),
    (800, 0.05, 127, 50),
    (800, 0.05, 63, 20),
    (400, 0.05, 31, 20),
    (800, 0.05, 31, 20),
)


def feature_sets(columns: list[str]) -> dict[str, list[str]]:
    """Candidate feature sets: without structure, structure without genre one-hot, all."""
    one_hot = [c for c in columns if ":" in c]
    structure = [c for c in columns if c in STRUCTURE_FEATURES]
    plain = [c for c in columns if c not in one_hot and c not in structure]
    playlist_one_hot = [c for c in one_hot if c.startswith("playlist_")]
    return {
        "no structure": plain,
        "structure": plain + structure,
        "structure + playlist one-hot": plain + structure + playlist_one_hot,
        "structure + one-hot": plain + structure + one_hot,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    parser.add_argument("--scenario", default="catalog")
    parser.add_argument("--params", action="store_true", help="search hyperparameters too")
    parser.add_argument(
        "--smoothing", type=float, nargs="*", default=[], help="smoothing values to try too"
    )
    parser.add_argument("--features", nargs="*", default=None, help="feature sets to try")
    parser.add_argument("--library", choices=("lightgbm", "sklearn"), default="lightgbm")
    parser.add_argument(
        "--only", type=int, nargs="*", default=None, help="positions in PARAMS to try"
    )
    args = parser.parse_args()
    settings = MLSettings()
    task, scenario = task_by_name("popularity"), scenario_by_name(args.scenario)
    with connect_readonly(Path(args.warehouse)) as con:
        tracks = con.execute("select * from intermediate.int_tracks_labelled").df()
    frame = task_frame(tracks, task)
    groups = frame[scenario.group_column]
    outer = assign_folds(groups, settings.n_folds, settings.seed)
    training = np.flatnonzero(outer != 0)
    inner = assign_folds(groups.iloc[training], settings.n_folds, settings.seed + 1)
    inner_train, validation = training[inner != 0], training[inner == 0]
    y = frame[task.target].to_numpy(dtype=float)
    params = PARAMS if args.params else PARAMS[:1]
    if args.only is not None:
        params = tuple(PARAMS[position] for position in args.only)
    print(f"{scenario.name}: {len(inner_train)} training, {len(validation)} validation tracks")
    for smoothing in [settings.smoothing, *args.smoothing]:
        trial = MLSettings.from_overrides({"smoothing": smoothing})
        x_train, x_valid = fold_matrices(
            frame, task, scenario, inner_train, validation, trial, settings.seed
        )
        for name, columns in feature_sets(list(x_train.columns)).items():
            if args.features and name not in args.features:
                continue
            search(
                name,
                columns,
                params,
                (x_train, y[inner_train]),
                (x_valid, y[validation]),
                smoothing,
                settings.seed,
                args.library,
            )


def make_regressor(
    library: str, params: tuple[int, float, int, int], seed: int
) -> LightGBMRegressor | HistGradientBoostingRegressor:
    """The candidate: LightGBM as training fits it, or scikit-learn's histogram boosting (with
    its default early stopping on 10 % of the training rows, as it was used)."""
    max_iter, rate, leaves, leaf = params
    if library == "lightgbm":
        return LightGBMRegressor(
            n_estimators=max_iter,
            learning_rate=rate,
            num_leaves=leaves,
            min_child_samples=leaf,
            random_state=seed,
        )
    return HistGradientBoostingRegressor(
        max_iter=max_iter,
        learning_rate=rate,
        max_leaf_nodes=leaves,
        min_samples_leaf=leaf,
        random_state=seed,
    )


def search(
    name: str,
    columns: list[str],
    params: tuple[tuple[int, float, int, int], ...],
    train: tuple[pd.DataFrame, np.ndarray],
    valid: tuple[pd.DataFrame, np.ndarray],
    smoothing: float,
    seed: int,
    library: str = "lightgbm",
) -> None:
    """Fit every hyperparameter candidate on one feature set; print validation R² and time."""
    (x_train, y_train), (x_valid, y_valid) = train, valid
    for max_iter, rate, leaves, leaf in params:
        model = make_regressor(library, (max_iter, rate, leaves, leaf), seed)
        started = time.perf_counter()
        with threadpool_limits(limits=1, user_api="openmp"):
            model.fit(x_train[columns], y_train)
        seconds = time.perf_counter() - started
        score = r2_score(y_valid, model.predict(x_valid[columns]))
        print(
            f"{name:22} {len(columns):4d} features  smoothing {smoothing:3.1f}  iter {max_iter:4d} "
            f"rate {rate} leaves {leaves:3d} leaf {leaf:2d}  R² {score:.4f}  {seconds:5.1f} s  "
            f"{getattr(model, 'n_iter_', max_iter)} rounds  {library}",
            flush=True,
        )


if __name__ == "__main__":
    main()
