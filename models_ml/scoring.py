"""Scoring new tracks: the models a new track can use, its validation, its predictions.

A new track has audio features and nothing else: no artist history, no genre, no
popularity, no place in the catalog. So it is scored by the new-track scenario's models
(`config.SCENARIOS`), trained on all tracks with the track's own features (audio, duration,
explicit): the cold-start genre models and the audio-only popularity model. The
cross-validation evaluates exactly these models on these inputs as the new_track scenario,
so ml.model_metrics says how good `predict` is. (Filling the genres' mean popularity from the
predicted genre mix was tried and did worse: docs/ml.md, "Popularity features and
settings".)

Validation follows the quality rules of the warehouse (seed quality_rules, macros in
dbt_project/macros/quality_rules.sql): in the build, the SQL model int_new_tracks_validated
applies them; the CLI, which must not touch the warehouse, applies the same rules here, and
a test checks that both quarantine the same rows for the same reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator

from models_ml import artifacts, explain, raw_csv
from models_ml.browser_models import BROWSER_FEATURES, BrowserMLP, make_browser_model
from models_ml.config import (
    AUDIO_FEATURES,
    BROWSER_MODEL,
    TRACK_FEATURES,
    MLSettings,
    scenario_by_name,
    task_by_name,
)
from models_ml.estimators import make_best, single_threaded
from models_ml.evaluation import fit_cost
from models_ml.features import derived_features, track_matrix
from models_ml.metrics import top_k
from models_ml.parallel import dearest_first, run_in_threads
from spotify_warehouse.progress import Progress

#: Columns a new-track CSV must have: the audio columns of dataset.csv, named as there
#: (duration in ms, explicit as text), i.e. the model features before staging's renames.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "duration_ms",
    "explicit",
    *(feature for feature in AUDIO_FEATURES if feature != "duration_sec"),
)
#: Optional columns that identify a row in the output.
LABEL_COLUMNS: tuple[str, ...] = ("track_id", "track_name", "artists")
UNIT_INTERVAL = (
    "danceability",
    "energy",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
)
INTEGER_COLUMNS = ("duration_ms", "key", "mode", "time_signature")
#: Documented ranges (inclusive) of the out_of_range rule; mode is checked as 0 or 1.
RANGES: dict[str, tuple[float, float]] = {
    **{column: (0.0, 1.0) for column in UNIT_INTERVAL},
    "key": (-1, 11),
    "loudness": (-70.0, 10.0),
    "tempo": (0.0, float("inf")),
    "time_signature": (0, 7),
}
SCORING_SCENARIO = "new_track"
GENRE_TASKS = ("track_genre", "playlist_genre")


class NewTracksError(ValueError):
    """The new-tracks file cannot be read as a CSV with the required columns."""


@dataclass
class ScoringBundle:
    """Fitted cold-start models plus what scoring needs to rebuild their inputs."""

    genre_models: dict[str, BaseEstimator]
    genre_classes: dict[str, np.ndarray]
    popularity_model: BaseEstimator
    popularity_columns: list[str]
    #: Task -> the small network the report site's "try a track" page runs in the browser
    #: (`models_ml.browser_models`), fitted on every labelled track; published as JSON in
    #: ml.browser_models.
    browser_models: dict[str, BrowserMLP]


def fit_scoring_bundle(
    tracks: pd.DataFrame, settings: MLSettings, progress: Progress | None = None
) -> tuple[ScoringBundle, dict]:
    """Fit the cold-start best models and the browser models on every labelled track
    (`progress` hears of each).

    The six fits are independent: they run on `settings.n_jobs` threads
    (`parallel.run_in_threads`), the 114-genre forests with their own n_jobs threads.
    """
    scenario = scenario_by_name(SCORING_SCENARIO)

    def fit_genre_model(name: str) -> BaseEstimator:
        task = task_by_name(name)
        labelled = tracks[tracks[task.target].notna()].reset_index(drop=True)
        model = make_best(task, scenario, settings.seed, settings.n_jobs)
        single_threaded(model.fit(track_matrix(labelled), labelled[task.target].to_numpy()))
        if progress is not None:
            progress.advance(name, "scoring model", "all tracks", weight=fit_cost(task, "best"))
        return model

    task = task_by_name("popularity")
    frame = tracks.reset_index(drop=True)

    def fit_popularity_model() -> tuple[BaseEstimator, list[str]]:
        everything = np.arange(len(frame))
        derived, _ = derived_features(
            frame, task, scenario, everything, everything[:0], settings, settings.seed
        )
        features = pd.concat([track_matrix(frame), derived], axis=1)
        model = make_best(task, scenario, settings.seed, settings.n_jobs)
        single_threaded(model.fit(features, frame[task.target].to_numpy(dtype=float)))
        if progress is not None:
            progress.advance(
                task.name, "scoring model", "all tracks", weight=fit_cost(task, "best")
            )
        return model, list(features.columns)

    def fit_browser_model(name: str) -> BrowserMLP:
        browser_task = task_by_name(name)
        labelled = tracks[tracks[browser_task.target].notna()].reset_index(drop=True)
        model = make_browser_model(browser_task, settings.seed)
        features = track_matrix(labelled, BROWSER_FEATURES)
        model.fit(features, labelled[browser_task.target].to_numpy())
        if progress is not None:
            progress.advance(
                name, "browser model", "all tracks", weight=fit_cost(browser_task, BROWSER_MODEL)
            )
        return model

    browser_tasks = (*GENRE_TASKS, task.name)
    calls = [
        *(partial(fit_genre_model, name) for name in GENRE_TASKS),
        fit_popularity_model,
        *(partial(fit_browser_model, name) for name in browser_tasks),
    ]
    costs = [
        *(fit_cost(task_by_name(name), "best") for name in GENRE_TASKS),
        fit_cost(task, "best"),
        *(fit_cost(task_by_name(name), BROWSER_MODEL) for name in browser_tasks),
    ]
    fitted = run_in_threads(calls, settings.n_jobs, dearest_first(costs))
    fitted_genre_models = fitted[: len(GENRE_TASKS)]
    popularity_model, popularity_columns = fitted[len(GENRE_TASKS)]
    browser_models = dict(zip(browser_tasks, fitted[len(GENRE_TASKS) + 1 :], strict=True))
    genre_models = dict(zip(GENRE_TASKS, fitted_genre_models, strict=True))
    genre_classes = {
        name: np.asarray(explain.final_estimator(model).classes_)
        for name, model in genre_models.items()
    }

    bundle = ScoringBundle(
        genre_models, genre_classes, popularity_model, popularity_columns, browser_models
    )
    metadata = {
        "scenario": SCORING_SCENARIO,
        "features": list(TRACK_FEATURES),
        "popularity_features": popularity_columns,
        "classes": {name: list(map(str, classes)) for name, classes in genre_classes.items()},
        "n_training_tracks": {
            "track_genre": int(tracks["track_genre"].notna().sum()),
            "playlist_genre": int(tracks["playlist_genre"].notna().sum()),
            "popularity": len(frame),
        },
        "browser_models": {
            name: {"features": list(BROWSER_FEATURES), "model": BROWSER_MODEL}
            for name in browser_models
        },
        "sklearn_version": sklearn.__version__,
    }
    return bundle, metadata


# --- validation --------------------------------------------------------------------------


def read_new_tracks(path: str | Path) -> pd.DataFrame:
    """One row per data line, as text, read by the warehouse's own reader (models_ml.raw_csv:
    malformed lines are rows with `malformed_detail`), with a clear error for a missing,
    empty or column-less file."""
    path = Path(path)
    if not path.exists():
        raise NewTracksError(f"{path}: file not found")
    try:
        raw = raw_csv.records(raw_csv.open_raw_file(path))
    except raw_csv.RawFileError as error:
        detail = str(error).removeprefix(f"{path}: ")
        raise NewTracksError(f"{path}: not a readable CSV file ({detail})") from error
    missing = [column for column in REQUIRED_COLUMNS if column not in raw.columns]
    if missing:
        raise NewTracksError(
            f"{path}: column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)} missing from the header; a new-tracks CSV "
            f"needs {', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(LABEL_COLUMNS)})"
        )
    return raw


def validate_new_tracks(raw: pd.DataFrame) -> pd.DataFrame:
    """Typed rows of `read_new_tracks` with `rejection_reasons` (None when accepted) and
    `is_accepted`.

    Reason codes are those of the warehouse's quality rules: malformed_line (alone: the line
    has no values), missing_value, unparseable_number, unparseable_boolean, out_of_range,
    non_positive_duration, each as <rule>:<column>. tempo 0 and time_signature 0/1 mean
    "not detected" and become NaN.
    """
    fields = raw.drop(columns=list(raw_csv.LINE_COLUMNS))
    text = fields.apply(lambda column: column.str.strip()).replace("", np.nan)
    malformed = raw["malformed_detail"].notna()
    out = pd.DataFrame(index=raw.index)
    out["source_row_number"] = raw["source_row_number"]
    out["malformed_detail"] = raw["malformed_detail"]
    for column in LABEL_COLUMNS:
        out[column] = text[column] if column in text.columns else None
    reasons: list[pd.Series] = []

    def note(mask: pd.Series, code: str) -> None:
        reasons.append(pd.Series(np.where(mask, code, None), index=raw.index, dtype=object))

    for column in REQUIRED_COLUMNS:
        value = text[column]
        # Reasons name the typed column, as the warehouse's do (explicit -> is_explicit).
        note(value.isna(), f"missing_value:{'is_explicit' if column == 'explicit' else column}")
        if column == "explicit":
            parsed = value.str.lower().map({"true": True, "false": False})
            note(value.notna() & parsed.isna(), "unparseable_boolean:is_explicit")
            out["is_explicit"] = parsed.astype("boolean")
            continue
        number = pd.to_numeric(value, errors="coerce")
        # NaN, inf and overflowing values (1e999) are no measurement, as in the warehouse.
        number = number.where(np.isfinite(number))
        if column in INTEGER_COLUMNS:
            number = number.where(number.isna() | (number == np.floor(number)))
        note(value.notna() & number.isna(), f"unparseable_number:{column}")
        out[column] = number

    for column, (low, high) in RANGES.items():
        note((out[column] < low) | (out[column] > high), f"out_of_range:{column}")
    note(out["mode"].notna() & ~out["mode"].isin([0, 1]), "out_of_range:mode")
    note(out["duration_ms"] <= 0, "non_positive_duration:duration_ms")

    codes = pd.concat(reasons, axis=1)
    out["rejection_reasons"] = codes.apply(
        lambda row: ";".join(code for code in row if code) or None, axis=1
    )
    out.loc[malformed, "rejection_reasons"] = "malformed_line"
    out["is_accepted"] = out["rejection_reasons"].isna()
    out["duration_sec"] = out["duration_ms"] / 1000.0
    out["tempo"] = out["tempo"].where(out["tempo"] != 0)
    out["time_signature"] = out["time_signature"].where(~out["time_signature"].isin([0, 1]))
    return out


# --- scoring -----------------------------------------------------------------------------


def score(bundle: ScoringBundle, tracks: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """Top genres with probabilities in both taxonomies and predicted popularity per track."""
    if len(tracks) == 0:
        return _empty_scores(top)
    features = track_matrix(tracks)
    out = pd.DataFrame(index=range(len(tracks)))
    for name in GENRE_TASKS:
        classes = bundle.genre_classes[name]
        probabilities = explain.aligned_probabilities(bundle.genre_models[name], features, classes)
        labels, label_probabilities = top_k(probabilities, classes, top)
        for rank in range(labels.shape[1]):
            out[f"{name}_{rank + 1}"] = labels[:, rank]
            out[f"{name}_{rank + 1}_probability"] = label_probabilities[:, rank]
    predicted = bundle.popularity_model.predict(features[bundle.popularity_columns])
    out["predicted_popularity"] = np.clip(predicted, 0, 100)
    return out


def scored_new_tracks(run: pd.DataFrame, new_tracks: pd.DataFrame) -> pd.DataFrame:
    """int_new_tracks_scored: the accepted new tracks scored by the models of this build's
    training run (`run`, int_ml_models_trained's one row), whether trained now or reused."""
    folder = Path(run["run_folder"].iloc[0])
    run_id = run["run_id"].iloc[0]
    bundle, metadata = artifacts.load_bundle(folder)
    if metadata["run_id"] != run_id:
        raise artifacts.ModelsUnavailableError(
            f"{folder}: saved models belong to run {metadata['run_id']}, "
            f"not to this build's run {run_id}; rebuild with `dbt build`."
        )
    new_tracks = new_tracks.reset_index(drop=True)
    identity = new_tracks[
        ["source_file", "source_row_number", "track_id", "track_name", "artist_names"]
    ]
    scored = pd.concat([identity, score(bundle, new_tracks)], axis=1)
    scored["run_id"] = metadata["run_id"]
    return scored


def score_columns(top: int = 3) -> list[str]:
    """The columns `score` returns, in order."""
    columns = []
    for name in GENRE_TASKS:
        for rank in range(1, top + 1):
            columns += [f"{name}_{rank}", f"{name}_{rank}_probability"]
    return [*columns, "predicted_popularity"]


def _empty_scores(top: int) -> pd.DataFrame:
    """No rows, the same columns and types as a real result."""
    columns = {}
    for column in score_columns(top):
        columns[column] = pd.Series(dtype=object if column[-1].isdigit() else float)
    return pd.DataFrame(columns)
