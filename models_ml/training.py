"""One training run: cross-validate every task and scenario, then fit the scoring models.

`evaluate_all` is pure (tracks in, tables out); `run` adds the I/O at the edge: it names
the run (`run_key`: input rows, settings, code, library and project versions), reuses the
run's folder when it is complete, or trains and writes the tables and the fitted models there
(`artifacts.reuse_or_make`, as discovery does), reporting each fit as it finishes
(`spotify_warehouse.progress`). The dbt Python model int_ml_models_trained calls
`training_row`; the ml.* SQL models publish its tables.
"""

from __future__ import annotations

import itertools
import json
import resource
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from models_ml import artifacts
from models_ml.browser_models import browser_models_table
from models_ml.config import (
    BROWSER_MODEL,
    MLSettings,
    Scenario,
    Task,
    scenario_by_name,
    shared_models,
    task_by_name,
)
from models_ml.evaluation import (
    CrossValidation,
    EvaluationResult,
    collect_folds,
    fit_cost,
    fitted_models,
    fold_cost,
    merge_results,
    prepare_cross_validation,
    run_fold,
    shared_result,
)
from models_ml.parallel import run_in_threads
from models_ml.scoring import GENRE_TASKS, fit_scoring_bundle
from models_ml.splits import assign_folds
from spotify_warehouse.progress import Emit, Progress, dbt_console, to_stderr

#: The tasks whose cold-start models score new tracks (`scoring.fit_scoring_bundle`).
SCORING_TASKS = (*GENRE_TASKS, "popularity")
#: Columns the modelling frame (int_tracks_labelled) must provide.
REQUIRED_COLUMNS = (
    "track_id",
    "primary_artist_id",
    "song_key",
    "album_key",
    "album_title",
    "popularity",
)


def run_key(tracks: pd.DataFrame, settings: MLSettings) -> artifacts.RunKey:
    """What names a training run: the modelling frame's rows (in any order), the settings,
    the code, the library and project versions."""
    ordered = tracks.sort_values("track_id").reset_index(drop=True)
    return artifacts.RunKey.current(
        artifacts.ML, artifacts.data_fingerprint(ordered), settings.digest()
    )


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


def evaluate_all(
    tracks: pd.DataFrame, settings: MLSettings, progress: Progress | None = None
) -> list[EvaluationResult]:
    """Cross-validate every configured task x scenario on the same folds.

    The folds of every task and scenario are independent units of work: they run
    `n_jobs` at a time, each on one thread (`parallel.run_in_threads`), the dearest first,
    so both cores stay busy through the single-threaded steps too (design matrices,
    explanations, SHAP). The results are those of one fold after the other: each fold's
    numbers depend only on its data and seeds, and they are gathered in fold order.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in tracks.columns]
    if missing:
        raise KeyError(f"modelling frame lacks columns: {', '.join(missing)}")
    folds = scenario_folds(tracks, settings)
    fold_maps = {
        name: folds[folds["scenario"] == name].set_index("track_id")["fold"]
        for name in settings.scenarios
    }
    scenarios = [scenario_by_name(name) for name in settings.scenarios]
    tasks = [task_by_name(name) for name in settings.tasks]
    for scenario in scenarios:
        if scenario.shares_fits_with not in (None, *settings.scenarios):
            raise ValueError(
                f"scenario {scenario.name} shares the fits of {scenario.shares_fits_with}: "
                f"run both (settings.scenarios)"
            )
    # Every fit once: a scenario sharing another's fits runs only the models it does not
    # share (the new-track popularity model), then publishes the shared ones' results too.
    prepared = []
    for scenario in scenarios:
        for task in tasks:
            models = fitted_models(scenario, task) if scenario.shares_fits_with else None
            if models == ():
                continue
            prepared.append(
                prepare_cross_validation(
                    tracks, fold_maps[scenario.name], task, scenario, settings, models
                )
            )
    results = {
        (cv.task.name, cv.scenario.name): result
        for cv, result in _run_folds(prepared, settings, progress)
    }
    ordered = []
    for scenario in scenarios:
        for task in tasks:
            own = results.get((task.name, scenario.name))
            if scenario.shares_fits_with is None:
                ordered.append(own)
                continue
            shared = shared_result(
                results[(task.name, scenario.shares_fits_with)],
                scenario,
                shared_models(scenario, task),
            )
            ordered.append(merge_results(shared, own))
    return ordered


def _run_folds(
    prepared: list[CrossValidation], settings: MLSettings, progress: Progress | None
) -> list[tuple[CrossValidation, EvaluationResult]]:
    """Run every fold of the prepared cross-validations, `n_jobs` at a time, dearest first;
    each cross-validation with its result."""
    jobs = [(cv, split) for cv in prepared for split in cv.splits()]
    done = run_in_threads(
        [partial(run_fold, cv, *split, 1, progress) for cv, split in jobs],
        settings.n_jobs,
        fold_order([(cv.task, cv.scenario) for cv, _ in jobs]),
    )
    gathered = []
    for cv in prepared:
        folds = [result for (owner, _), result in zip(jobs, done, strict=True) if owner is cv]
        gathered.append((cv, collect_folds(cv, folds)))
    return gathered


def fold_order(units: list[tuple[Task, Scenario]]) -> list[int]:
    """The order in which to start the folds (positions in `units`, one (task, scenario) per
    fold): the tasks' folds taken in turn, dearest task first. Two folds of the 114-genre
    task, whose forests take about a gigabyte each, then run at once less often than if all
    its folds came first."""
    queues: dict[str, list[int]] = {}
    for position, (task, _) in sorted(enumerate(units), key=lambda item: -fold_cost(*item[1])):
        queues.setdefault(task.name, []).append(position)
    return [
        position
        for turn in itertools.zip_longest(*queues.values())
        for position in turn
        if position is not None
    ]


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


def plan(settings: MLSettings) -> tuple[int, float]:
    """Units of work of a training run (fits, with their explanations) and their expected
    cost, for the progress lines' estimate of the time left."""
    tasks = [task_by_name(name) for name in settings.tasks]
    per_fold = [
        fit_cost(task, model)
        for name in settings.scenarios
        for task in tasks
        for model in fitted_models(scenario_by_name(name), task)
    ]
    scoring = [
        fit_cost(task_by_name(name), model)
        for name in SCORING_TASKS
        for model in ("best", BROWSER_MODEL)
    ]
    units = settings.n_folds * len(per_fold) + len(scoring)
    weight = settings.n_folds * sum(per_fold) + sum(scoring)
    return units, weight


def run(
    tracks: pd.DataFrame,
    settings: MLSettings,
    models_root: Path,
    force: bool = False,
    emit: Emit = to_stderr,
) -> dict[str, Any]:
    """Reuse the run folder of these inputs if complete; else evaluate, fit the scoring
    models and save both. Returns the run's summary (int_ml_models_trained's row).

    force: train even if a complete folder exists (the ml_refresh var, --full-refresh).
    """
    started = time.perf_counter()
    tracks = tracks.sort_values("track_id").reset_index(drop=True)
    key = run_key(tracks, settings)
    units, weight = plan(settings)
    progress = Progress("ML", units, weight, unit="fits", emit=emit)
    outcome = artifacts.reuse_or_make(
        models_root, key, force, progress, lambda: _train(tracks, settings, key, progress)
    )
    return _summary(outcome, seconds=time.perf_counter() - started)


def training_row(tracks: pd.DataFrame, options: artifacts.BuildOptions) -> pd.DataFrame:
    """int_ml_models_trained: the run of this build's modelling frame (reused or trained)."""
    settings = MLSettings.from_overrides(options.overrides)
    summary = run(tracks, settings, options.models_root, options.force, emit=dbt_console)
    return pd.DataFrame([summary])


def _train(
    tracks: pd.DataFrame, settings: MLSettings, key: artifacts.RunKey, progress: Progress
) -> tuple[dict[str, Any], Callable[[Path], None]]:
    """Evaluate and fit the scoring models: the manifest's info and the run's file writer."""
    started = time.perf_counter()
    fingerprint = key.data_fingerprint
    trained_at = artifacts.now_utc()
    # The browser models' networks multiply matrices through BLAS, which would start a thread
    # per core for each of the folds running at once: one thread each, as for OpenMP.
    with threadpool_limits(limits=1, user_api="blas"):
        results = evaluate_all(tracks, settings, progress)
        evaluated = time.perf_counter()
        tables = result_tables(results, key.run_id, fingerprint, settings, trained_at)
        bundle, metadata = fit_scoring_bundle(tracks, settings, progress)
    tables["browser_models"] = browser_models_table(
        bundle.browser_models, key.run_id, settings.seed
    )
    metadata.update(
        {
            "run_id": key.run_id,
            "data_fingerprint": fingerprint,
            "code_fingerprint": key.code_fingerprint,
            "trained_at": trained_at,
        }
    )
    scored = time.perf_counter()

    def write(staging: Path) -> None:
        artifacts.write_parquet(tables, staging)
        artifacts.save_bundle(bundle, metadata, staging)

    info = {
        "created_at": trained_at,
        "settings": settings.as_json(),
        "n_tracks": len(tracks),
        "seconds": {
            "evaluation": evaluated - started,
            "scoring_fit": scored - evaluated,
            "by_task": {
                f"{result.task.name}/{result.scenario.name}": result.seconds for result in results
            },
            "explanations": sum(result.explain_seconds for result in results),
            "fits_by_model": {
                model: sum(result.fit_seconds.get(model, 0.0) for result in results)
                for model in sorted({name for result in results for name in result.fit_seconds})
            },
        },
        # Peak resident memory of this process so far (Linux reports KiB).
        "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    return info, write


def _summary(outcome: artifacts.RunOutcome, seconds: float) -> dict[str, Any]:
    """int_ml_models_trained's row: the run, where it lives, and what this build spent."""
    manifest = outcome.manifest
    timings = manifest["seconds"]
    return {
        "run_id": manifest["run_id"],
        "data_fingerprint": manifest["data_fingerprint"],
        "trained_at": manifest["created_at"],
        "n_tracks": manifest["n_tracks"],
        "settings": manifest["settings"],
        "run_folder": str(outcome.folder),
        "is_reused": outcome.reused,
        "evaluation_seconds": timings["evaluation"],
        "scoring_fit_seconds": timings["scoring_fit"],
        "training_peak_memory_mib": manifest["peak_memory_mib"],
        "build_seconds": seconds,
    }
