"""One training run: cross-validate every task and scenario, then fit the scoring models.

`evaluate_all` is pure (tracks in, tables out); `run` adds the I/O at the edge: it writes
the tables and the fitted models to the models folder (`models_ml.artifacts`). The dbt
Python model int_ml_models_trained calls `run`; the ml.* SQL models publish its tables.
"""

from __future__ import annotations

import hashlib
import json
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sklearn

from models_ml import __version__, artifacts
from models_ml.config import MLSettings, scenario_by_name, task_by_name
from models_ml.evaluation import EvaluationResult, cross_validate
from models_ml.scoring import fit_scoring_bundle
from models_ml.splits import assign_folds

#: Columns the modelling frame (int_tracks_labelled) must provide.
REQUIRED_COLUMNS = ("track_id", "primary_artist_id", "album_id", "popularity")


def data_fingerprint(tracks: pd.DataFrame) -> str:
    """SHA-256 (16 hex) of the modelling frame's content, independent of row order."""
    ordered = tracks.sort_values("track_id").reset_index(drop=True)
    digest = hashlib.sha256()
    digest.update(",".join(ordered.columns).encode())
    hashed = pd.util.hash_pandas_object(ordered.astype(str), index=False).to_numpy()
    digest.update(hashed.tobytes())
    return digest.hexdigest()[:16]


def make_run_id(fingerprint: str, settings: MLSettings) -> str:
    """Deterministic: the same data, settings, code and library versions give the same id."""
    payload = "|".join(
        [
            fingerprint,
            settings.digest(),
            __version__,
            artifacts.code_fingerprint(),
            sklearn.__version__,
        ]
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


def scenario_folds(tracks: pd.DataFrame, settings: MLSettings) -> pd.DataFrame:
    """track_id, scenario, fold: one fold assignment per scenario, shared by all tasks."""
    frames = []
    for name in settings.scenarios:
        scenario = scenario_by_name(name)
        folds = assign_folds(tracks[scenario.group_column], settings.n_folds, settings.seed)
        frames.append(
            pd.DataFrame({"scenario": name, "track_id": tracks["track_id"], "fold": folds})
        )
    return pd.concat(frames, ignore_index=True)


def evaluate_all(tracks: pd.DataFrame, settings: MLSettings) -> list[EvaluationResult]:
    """Cross-validate every configured task x scenario on the same folds."""
    missing = [column for column in REQUIRED_COLUMNS if column not in tracks.columns]
    if missing:
        raise KeyError(f"modelling frame lacks columns: {', '.join(missing)}")
    folds = scenario_folds(tracks, settings)
    results = []
    for scenario_name in settings.scenarios:
        scenario = scenario_by_name(scenario_name)
        fold_map = folds[folds["scenario"] == scenario_name].set_index("track_id")["fold"]
        for task_name in settings.tasks:
            results.append(
                cross_validate(tracks, fold_map, task_by_name(task_name), scenario, settings)
            )
    return results


def _tag(frame: pd.DataFrame, run_id: str, result: EvaluationResult) -> pd.DataFrame:
    tagged = frame.copy()
    tagged.insert(0, "scenario", result.scenario.name)
    tagged.insert(0, "task", result.task.name)
    tagged.insert(0, "run_id", run_id)
    return tagged


def result_tables(
    results: list[EvaluationResult],
    run_id: str,
    fingerprint: str,
    settings: MLSettings,
    trained_at: str,
) -> dict[str, pd.DataFrame]:
    """The long tables behind ml.*: one row set per task x scenario, tagged with the run."""

    def gather(attribute: str, kinds: tuple[str, ...] = ("classification", "regression")):
        frames = [
            _tag(getattr(result, attribute), run_id, result)
            for result in results
            if result.task.kind in kinds and not getattr(result, attribute).empty
        ]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    runs = gather("runs")
    runs["parameters"] = runs["parameters"].map(lambda value: json.dumps(value, sort_keys=True))
    runs["features"] = runs["features"].map(list)
    runs["data_fingerprint"] = fingerprint
    runs["settings"] = settings.as_json()
    runs["n_folds"] = settings.n_folds
    runs["seed"] = settings.seed
    runs["trained_at"] = trained_at
    popularity = gather("predictions", ("regression",))
    if not popularity.empty:
        popularity = popularity.drop(columns="task")
    return {
        "model_runs": runs,
        "genre_predictions": gather("predictions", ("classification",)),
        "popularity_predictions": popularity,
        "fold_metrics": gather("fold_metrics"),
        "feature_importance": gather("importance"),
        "shap_values": gather("shap"),
        "partial_dependence": gather("partial_dependence"),
    }


def run(
    tracks: pd.DataFrame, settings: MLSettings, models_root: Path
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Evaluate, fit the scoring models, save both; return ml.model_runs rows and timings."""
    started = time.perf_counter()
    tracks = tracks.sort_values("track_id").reset_index(drop=True)
    fingerprint = data_fingerprint(tracks)
    run_id = make_run_id(fingerprint, settings)
    trained_at = datetime.now(UTC).isoformat(timespec="seconds")
    results = evaluate_all(tracks, settings)
    evaluated = time.perf_counter()
    tables = result_tables(results, run_id, fingerprint, settings, trained_at)
    bundle, metadata = fit_scoring_bundle(tracks, settings)
    metadata.update(
        {
            "run_id": run_id,
            "data_fingerprint": fingerprint,
            "code_fingerprint": artifacts.code_fingerprint(),
            "trained_at": trained_at,
        }
    )
    scored = time.perf_counter()
    artifacts.write_tables(tables, models_root / artifacts.EVALUATION)
    artifacts.save_bundle(bundle, metadata, artifacts.scoring_dir(models_root, run_id))
    artifacts.prune_scoring_runs(models_root, protect={run_id})
    timings = {
        "evaluation_seconds": evaluated - started,
        "scoring_fit_seconds": scored - evaluated,
        "total_seconds": time.perf_counter() - started,
        # Peak resident memory of this process so far (Linux reports KiB).
        "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    return tables["model_runs"], timings
