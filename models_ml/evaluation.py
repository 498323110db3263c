"""Grouped K-fold cross-validation of the three models for one task and scenario.

Every track of the task gets one out-of-fold prediction per model, from a model trained on
the other folds only; all models see the same folds and the same design matrices. The
results are plain DataFrames (the `ml` tables are built from them by dbt).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import accuracy_score, r2_score

from models_ml import explain
from models_ml.browser_models import BROWSER_FEATURES
from models_ml.config import (
    AUDIO_FEATURES,
    AUDIO_ONLY_MODEL,
    BROWSER_MODEL,
    REFERENCE_FEATURES,
    TRACK_FEATURES,
    MLSettings,
    Scenario,
    Task,
    scenario_models,
    shared_models,
)
from models_ml.estimators import describe, make_model, single_threaded, with_n_jobs
from models_ml.features import fold_matrices
from models_ml.metrics import label_ranks, macro_ovr_auc, top_k
from models_ml.splits import check_grouping, fold_indices
from spotify_warehouse.progress import Progress

TOP_K = 5
#: Above this many classes a fitted forest is large enough to collect at once.
LARGE_CLASS_COUNT = 20
#: Expected cost of one fold's fit, prediction and explanations per task and model,
#: relative to the reference RF on 114 genres, as measured on the real data with one thread
#: per fold (1.0 is about 21 s of one core). The progress lines' estimate of the time left
#: and the order in which training starts the folds (dearest first) use it.
FIT_COSTS: dict[tuple[str, str], float] = {
    # A baseline's fold also builds the fold's design matrices (out-of-fold features).
    ("track_genre", "baseline"): 0.03,
    ("track_genre", "reference_rf"): 1.0,
    ("track_genre", "best"): 1.55,
    ("playlist_genre", "baseline"): 0.01,
    ("playlist_genre", "reference_rf"): 0.17,
    ("playlist_genre", "best"): 0.33,
    ("popularity", "baseline"): 0.1,
    ("popularity", "reference_rf"): 2.6,
    ("popularity", "best"): 2.8,
    ("track_genre", BROWSER_MODEL): 1.4,
    ("playlist_genre", BROWSER_MODEL): 0.15,
    ("popularity", BROWSER_MODEL): 0.35,
}


def fit_cost(task: Task, model: str) -> float:
    """The expected relative cost of one fold of `model` on `task` (1.0 if unmeasured)."""
    return FIT_COSTS.get((task.name, model), 1.0)


@dataclass
class EvaluationResult:
    """Everything one (task, scenario) cross-validation produces, as long tables."""

    task: Task
    scenario: Scenario
    predictions: pd.DataFrame
    fold_metrics: pd.DataFrame
    runs: pd.DataFrame
    importance: pd.DataFrame
    shap: pd.DataFrame
    partial_dependence: pd.DataFrame
    #: Wall time of the whole cross-validation, of each model's fits, of the explanations.
    seconds: float = 0.0
    fit_seconds: dict[str, float] = field(default_factory=dict)
    explain_seconds: float = 0.0


def task_frame(tracks: pd.DataFrame, task: Task) -> pd.DataFrame:
    """The tracks that carry the task's label, in a stable order."""
    labelled = tracks[tracks[task.target].notna()]
    return labelled.sort_values("track_id").reset_index(drop=True)


def model_columns(name: str, columns: list[str]) -> list[str]:
    """The columns of the fold's design matrix a model reads: the reference RF the public
    notebooks' audio features, the browser model what a new track's CSV carries."""
    if name == "reference_rf":
        return list(REFERENCE_FEATURES)
    if name == BROWSER_MODEL:
        return list(BROWSER_FEATURES)
    if name == AUDIO_ONLY_MODEL:
        return list(TRACK_FEATURES)
    return columns


Metric = Callable[[np.ndarray, np.ndarray], float]


def _metric(task: Task) -> Metric:
    """The score permutation importance measures drops of: accuracy, or R² for popularity."""
    return accuracy_score if task.kind == "classification" else r2_score


def _prediction_rows(
    task: Task,
    estimator: BaseEstimator,
    features: pd.DataFrame,
    frame: pd.DataFrame,
    test_pos: np.ndarray,
    classes: np.ndarray | None,
    n_jobs: int,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Out-of-fold prediction rows for the test tracks, and the fold's probability metrics."""
    test = frame.iloc[test_pos]
    base = {"track_id": test["track_id"].to_numpy()}
    if task.kind == "regression":
        predicted = explain.predict_rows(estimator, features, "predict", n_jobs)
        return pd.DataFrame(
            {
                **base,
                "actual_popularity": test[task.target].to_numpy(dtype=float),
                "predicted_popularity": predicted,
            }
        ), {}
    assert classes is not None
    probabilities = explain.aligned_probabilities(estimator, features, classes, n_jobs)
    actual = test[task.target].to_numpy()
    labels, label_probabilities = top_k(probabilities, classes, TOP_K)
    ranks = label_ranks(actual, probabilities, classes)
    position = {label: index for index, label in enumerate(classes)}
    actual_probability = probabilities[np.arange(len(actual)), [position[a] for a in actual]]
    rows = pd.DataFrame(
        {
            **base,
            "actual_genre": actual,
            "actual_genres": test[task.all_labels].to_numpy(),
            "predicted_genre": labels[:, 0],
            "predicted_probability": label_probabilities[:, 0],
            "actual_genre_probability": actual_probability,
            "actual_genre_rank": ranks,
            "top_genres": list(labels),
            "top_probabilities": list(label_probabilities),
        }
    )
    return rows, {"roc_auc_ovr_macro": macro_ovr_auc(actual, probabilities, classes)}


@dataclass
class CrossValidation:
    """One task x scenario made ready to run fold by fold (`prepare_cross_validation`): its
    tracks, folds, classes and explanation samples. The folds are independent of each other
    (`run_fold`), so they may run in any order, or at once (`training.evaluate_all`)."""

    task: Task
    scenario: Scenario
    settings: MLSettings
    frame: pd.DataFrame
    folds: np.ndarray
    classes: np.ndarray | None
    shap_positions: set[int]
    seconds: float = 0.0
    #: The models this cross-validation fits (the scenario's, less those it shares).
    models: tuple[str, ...] = ()

    def splits(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(fold, train positions, test positions) of every fold, in fold order."""
        return list(fold_indices(self.folds))


@dataclass
class FoldResult:
    """What one fold of one task x scenario adds to its `EvaluationResult`."""

    fold: int
    columns: list[str]
    parameters: dict[str, dict]
    predictions: list[pd.DataFrame] = field(default_factory=list)
    fold_metrics: list[dict] = field(default_factory=list)
    importance: list[pd.DataFrame] = field(default_factory=list)
    shap: list[pd.DataFrame] = field(default_factory=list)
    partial_dependence: list[pd.DataFrame] = field(default_factory=list)
    fit_seconds: dict[str, float] = field(default_factory=dict)
    explain_seconds: float = 0.0
    seconds: float = 0.0


def prepare_cross_validation(
    tracks: pd.DataFrame,
    folds_by_track: pd.Series,
    task: Task,
    scenario: Scenario,
    settings: MLSettings,
    models: tuple[str, ...] | None = None,
) -> CrossValidation:
    """The task's tracks, their folds (checked for grouping), classes and SHAP sample.

    `folds_by_track` maps track_id to its fold in this scenario (shared by all tasks);
    `models` the models to fit (default: the scenario's for the task).
    """
    started = time.perf_counter()
    frame = task_frame(tracks, task)
    folds = frame["track_id"].map(folds_by_track).to_numpy(dtype=np.int64)
    check_grouping(frame[scenario.group_column], folds)
    classes = np.sort(frame[task.target].unique()) if task.kind == "classification" else None
    strata = (
        frame[task.target]
        if task.kind == "classification"
        else pd.qcut(frame[task.target], 10, labels=False, duplicates="drop")
    )
    shap_size = settings.shap_sample_size if task.name in settings.shap_tasks else 0
    shap_positions = set(explain.stratified_sample(strata, shap_size, settings.seed).tolist())
    return CrossValidation(
        task,
        scenario,
        settings,
        frame,
        folds,
        classes,
        shap_positions,
        seconds=time.perf_counter() - started,
        models=scenario_models(scenario, task) if models is None else models,
    )


def fitted_models(scenario: Scenario, task: Task) -> tuple[str, ...]:
    """The models a scenario fits for `task`: its models less those it shares with another
    scenario and the audio-only model, which is read from the best model's fit."""
    shared = shared_models(scenario, task)
    return tuple(
        name
        for name in scenario_models(scenario, task)
        if name not in shared and name != AUDIO_ONLY_MODEL
    )


def fold_cost(task: Task, scenario: Scenario) -> float:
    """The expected relative cost of one fold of every model on `task` (see FIT_COSTS)."""
    return sum(fit_cost(task, name) for name in fitted_models(scenario, task))


def run_fold(
    cv: CrossValidation,
    fold: int,
    train_pos: np.ndarray,
    test_pos: np.ndarray,
    n_jobs: int,
    progress: Progress | None = None,
) -> FoldResult:
    """Fit, predict and explain every model on one fold; `progress` hears of each model.

    n_jobs: threads for the forests' fits and predictions (1 when folds run at once). The
    models are described (ml.model_runs) with the settings' n_jobs either way, and give the
    same numbers: a forest's trees are seeded before they are shared out between threads,
    and its predictions are summed in the same order (`estimators.single_threaded`).
    """
    started = time.perf_counter()
    task, scenario, settings, frame = cv.task, cv.scenario, cv.settings, cv.frame
    classes = cv.classes
    fold_seed = settings.seed + fold
    x_train, x_test = fold_matrices(frame, task, scenario, train_pos, test_pos, settings, fold_seed)
    columns = list(x_train.columns)
    models = cv.models
    result = FoldResult(fold, columns, {}, fit_seconds=dict.fromkeys(models, 0.0))
    y_train = frame[task.target].to_numpy()[train_pos]
    y_test = frame[task.target].to_numpy()[test_pos]
    fitted = fitted_models(scenario, task)
    best = None
    for name in models:
        used = model_columns(name, columns)
        if name == AUDIO_ONLY_MODEL:
            # The catalog best model's audio part, as fitted inside it: no fit of its own.
            estimator = best.base_
            result.parameters[name] = describe(estimator)
        else:
            estimator = make_model(name, task, scenario, settings.seed, settings.n_jobs)
            result.parameters[name] = describe(estimator)
            with_n_jobs(estimator, n_jobs)
            fitting = time.perf_counter()
            estimator.fit(x_train[used], y_train)
            result.fit_seconds[name] += time.perf_counter() - fitting
            single_threaded(estimator)
        if name == "best":
            best = estimator

        rows, metrics = _prediction_rows(
            task, estimator, x_test[used], frame, test_pos, classes, n_jobs
        )
        rows.insert(0, "fold", fold)
        rows.insert(0, "model", name)
        result.predictions.append(rows)
        for metric, value in metrics.items():
            result.fold_metrics.append(
                {"model": name, "fold": fold, "metric": metric, "value": value}
            )

        explaining = time.perf_counter()
        impurity = explain.impurity_importance(estimator, used)
        if impurity is not None and name != "baseline":
            result.importance.append(_importance_rows(name, fold, "impurity", impurity))
        if name == "best":
            sample = _random_sample(len(test_pos), settings.permutation_sample_size, fold_seed)
            permutation = explain.permutation_importance(
                x_test[used].iloc[sample],
                y_test[sample],
                partial(explain.predict_rows, estimator, n_jobs=n_jobs),
                _metric(task),
                settings.permutation_repeats,
                fold_seed,
            )
            result.importance.append(_importance_rows(name, fold, "permutation", permutation))
            explained = [i for i, pos in enumerate(test_pos) if pos in cv.shap_positions]
            if explained:
                shap_frame = _shap_rows(estimator, x_test[used].iloc[explained], classes)
                test_ids = frame["track_id"].to_numpy()[test_pos][explained]
                shap_frame["track_id"] = test_ids[shap_frame.pop("row").to_numpy()]
                shap_frame.insert(0, "model", name)
                result.shap.append(shap_frame)
            if fold == 0:
                sample = _random_sample(len(test_pos), settings.pdp_sample_size, fold_seed)
                curve = explain.partial_dependence(
                    estimator,
                    x_test[used].iloc[sample],
                    [feature for feature in AUDIO_FEATURES if feature in used],
                    settings.pdp_grid_points,
                    classes,
                    n_jobs,
                )
                curve.insert(0, "model", name)
                result.partial_dependence.append(curve)
        result.explain_seconds += time.perf_counter() - explaining
        # Progress counts what `training.plan` counts: fits (not the audio-only model, read
        # from the best model's fit).
        if progress is not None and name in fitted:
            progress.advance(
                task.name,
                scenario.name,
                name,
                f"fold {fold + 1}/{settings.n_folds}",
                weight=fit_cost(task, name),
            )
        # A 114-genre forest weighs about a gigabyte: free each one before the next fit
        # (a full collection costs ~0.1 s; the other models are small enough to wait).
        del estimator
        if name != "best" and classes is not None and len(classes) > LARGE_CLASS_COUNT:
            gc.collect()
    del best
    result.seconds = time.perf_counter() - started
    return result


def collect_folds(cv: CrossValidation, folds: list[FoldResult]) -> EvaluationResult:
    """The task x scenario's tables from its folds' results, in fold order."""
    folds = sorted(folds, key=lambda result: result.fold)
    columns = folds[-1].columns
    models = cv.models
    fit_seconds = {name: sum(fold.fit_seconds[name] for fold in folds) for name in models}
    runs = pd.DataFrame(
        [
            {
                "model": name,
                "parameters": folds[-1].parameters[name],
                "features": model_columns(name, columns),
                "fit_seconds": fit_seconds[name],
                "n_tracks": len(cv.frame),
                "n_classes": 0 if cv.classes is None else len(cv.classes),
            }
            for name in models
        ]
    )

    def gathered(attribute: str) -> list[pd.DataFrame]:
        return [frame for fold in folds for frame in getattr(fold, attribute)]

    shap_rows, pdp = gathered("shap"), gathered("partial_dependence")
    return EvaluationResult(
        task=cv.task,
        scenario=cv.scenario,
        predictions=pd.concat(gathered("predictions"), ignore_index=True),
        fold_metrics=pd.DataFrame([row for fold in folds for row in fold.fold_metrics]),
        runs=runs,
        importance=_summarise_importance(pd.concat(gathered("importance"), ignore_index=True)),
        shap=pd.concat(shap_rows, ignore_index=True) if shap_rows else pd.DataFrame(),
        partial_dependence=pd.concat(pdp, ignore_index=True) if pdp else pd.DataFrame(),
        seconds=cv.seconds + sum(fold.seconds for fold in folds),
        fit_seconds=fit_seconds,
        explain_seconds=sum(fold.explain_seconds for fold in folds),
    )


def shared_result(
    source: EvaluationResult, scenario: Scenario, models: tuple[str, ...]
) -> EvaluationResult:
    """`source`'s rows of the given models, published under `scenario` too (the models it
    shares: same folds, features and fits, computed once). Its times stay with `source`."""

    def kept(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        return frame[frame["model"].isin(models)].reset_index(drop=True)

    return EvaluationResult(
        task=source.task,
        scenario=scenario,
        predictions=kept(source.predictions),
        fold_metrics=kept(source.fold_metrics),
        runs=kept(source.runs),
        importance=kept(source.importance),
        shap=kept(source.shap),
        partial_dependence=kept(source.partial_dependence),
        fit_seconds=dict.fromkeys(models, 0.0),
    )


def merge_results(shared: EvaluationResult, own: EvaluationResult | None) -> EvaluationResult:
    """A scenario's result from its shared models' rows and its own fits' (if any), in the
    scenario's model order."""
    if own is None:
        return shared
    order = {name: rank for rank, name in enumerate(scenario_models(shared.scenario, shared.task))}

    def joined(attribute: str) -> pd.DataFrame:
        frames = [getattr(r, attribute) for r in (shared, own) if not getattr(r, attribute).empty]
        if not frames:
            return pd.DataFrame()
        both = pd.concat(frames, ignore_index=True)
        rank = both["model"].map(order)
        return both.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)

    return EvaluationResult(
        task=own.task,
        scenario=own.scenario,
        predictions=joined("predictions"),
        fold_metrics=joined("fold_metrics"),
        runs=joined("runs"),
        importance=joined("importance"),
        shap=joined("shap"),
        partial_dependence=joined("partial_dependence"),
        seconds=own.seconds,
        fit_seconds={**shared.fit_seconds, **own.fit_seconds},
        explain_seconds=own.explain_seconds,
    )


def _random_sample(n: int, size: int, seed: int) -> np.ndarray:
    """Up to `size` positions out of n, drawn without replacement, sorted."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _importance_rows(model: str, fold: int, method: str, values: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": model,
            "fold": fold,
            "method": method,
            "feature": values.index,
            "importance": values.to_numpy(dtype=float),
        }
    )


def _summarise_importance(per_fold: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over folds, per model, method and feature."""
    return (
        per_fold.groupby(["model", "method", "feature"], sort=True)["importance"]
        .agg(importance="mean", importance_std="std", n_folds="count")
        .reset_index()
    )


def _shap_rows(
    estimator: BaseEstimator, features: pd.DataFrame, classes: np.ndarray | None
) -> pd.DataFrame:
    """SHAP rows for held-out tracks; a genre model explains each track's predicted genre."""
    if classes is None:
        values = explain.shap_values(estimator, features, None)
        values["explained_class"] = None
        return values
    predicted = classes[explain.aligned_probabilities(estimator, features, classes).argmax(axis=1)]
    model_classes = list(explain.tree_model(estimator, list(features.columns))[0].classes_)
    model_index = np.array([model_classes.index(label) for label in predicted])
    values = explain.shap_values(estimator, features, model_index)
    values["explained_class"] = predicted[values["row"].to_numpy()]
    return values
