"""The three models compared on the same folds: baseline, reference RF and our best model.

- baseline: predicts the training folds' majority genre (with their genre frequencies as
  probabilities) or their mean popularity. Anything worth using must beat it.
- reference_rf: what the public notebooks do: RandomForest(n_estimators=50, max_depth=15)
  on standardized audio features (`config.REFERENCE_FEATURES`).
- best: our choice per task and scenario, on every feature the scenario allows, chosen by a
  model search on the real data (docs/ml.md, "Results"); parameters are in ml.model_runs.
  Genres: a random forest + extra trees average (114) or gradient boosting (6) on the
  track's own features, blended
  in the catalog scenario with the artist's genre prior (`ArtistPriorBlend`). Popularity:
  LightGBM gradient boosting (`LightGBMRegressor`) on own features plus out-of-fold genre
  (and, in the catalog, artist, album and album-title) mean popularity, and (catalog, cold
  start) the catalog's structure.
"""

from __future__ import annotations

from typing import Any

import lightgbm
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
)
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from models_ml.browser_models import make_browser_model
from models_ml.config import BROWSER_MODEL, Scenario, Task

#: Popularity gradient boosting per scenario: (rounds, leaves per tree), chosen on an inner
#: validation split: the cheapest setting within 0.002 R² of the best there (800 rounds
#: scored at most 0.002 more than 400, for twice the fit time and the ML stage's time
#: budget). The audio-only new-track model wants smaller trees.
POPULARITY_SETTINGS: dict[str, tuple[int, int]] = {
    "catalog": (400, 63),
    "cold_start": (400, 63),
    "new_track": (400, 31),
}
#: The column that carries the primary artist into catalog genre models.
ARTIST_COLUMN = "primary_artist_id"


class LightGBMRegressor(RegressorMixin, BaseEstimator):
    """LightGBM's gradient boosting for the popularity models, with scikit-learn's interface.

    Why LightGBM: the catalog and cold-start models read 176-182 features, 114 of them a
    sparse genre multi-hot; LightGBM bundles such sparse columns and fits in a quarter to a
    ninth of the time of scikit-learn's `HistGradientBoostingRegressor`, at the same R² on
    the inner validation split (docs/ml.md). Why a wrapper: LightGBM refuses column names
    with JSON characters (`track_genre:pop`), so it is fitted on the values and this class
    keeps the names (for column order at predict time and for the explanations), and it
    silences LightGBM's own log lines. No early stopping: every training track is fitted.
    One thread, always: LightGBM sums histograms per thread, so another thread count could
    change a split in the last bit (`parallel` promises models independent of threads);
    a fit takes seconds, and training runs its folds side by side instead. The fitted
    LightGBM model is `model_` (SHAP's TreeExplainer reads it).
    """

    def __init__(
        self,
        n_estimators: int = 400,
        learning_rate: float = 0.05,
        num_leaves: int = 63,
        min_child_samples: int = 20,
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state

    def _values(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        if isinstance(X, pd.DataFrame) and hasattr(self, "feature_names_in_"):
            X = X[list(self.feature_names_in_)]
        return np.asarray(X, dtype=float)

    def fit(self, X: pd.DataFrame | np.ndarray, y: np.ndarray) -> LightGBMRegressor:
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.model_ = lightgbm.LGBMRegressor(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            random_state=self.random_state,
            n_jobs=1,
            verbose=-1,
        ).fit(self._values(X), np.asarray(y, dtype=float))
        self.n_features_in_ = self.model_.n_features_in_
        return self

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        return self.model_.predict(self._values(X), num_threads=1)


def make_baseline(task: Task) -> BaseEstimator:
    if task.kind == "classification":
        return DummyClassifier(strategy="prior")
    return DummyRegressor(strategy="mean")


def make_reference(task: Task, seed: int, n_jobs: int) -> Pipeline:
    """The public notebooks' setup: median-imputed, standardized features into a 50-tree RF."""
    forest_class = (
        RandomForestClassifier if task.kind == "classification" else RandomForestRegressor
    )
    forest = forest_class(n_estimators=50, max_depth=15, random_state=seed, n_jobs=n_jobs)
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("forest", forest),
        ]
    )


class ArtistPriorBlend(ClassifierMixin, BaseEstimator):
    """Product of experts: the audio model's genre probabilities times the artist's genre prior.

    The prior of a track is the smoothed genre distribution of its primary artist's tracks
    in the training data, (count + smoothing * class share) / (n + smoothing); it is raised
    to `weight` and multiplied into the audio probabilities, then renormalised. Fitted on
    training folds only, so a test track's prior comes from the artist's other tracks. The
    artist column is `artist_column`; every other column goes to the audio model.
    """

    def __init__(
        self,
        base: BaseEstimator,
        artist_column: str = ARTIST_COLUMN,
        weight: float = 1.5,
        smoothing: float = 1.0,
    ) -> None:
        self.base = base
        self.artist_column = artist_column
        self.weight = weight
        self.smoothing = smoothing

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> ArtistPriorBlend:
        features = X.drop(columns=[self.artist_column])
        self.base_ = clone(self.base).fit(features, y)
        self.classes_ = self.base_.classes_
        self.feature_names_in_ = np.asarray(features.columns)
        labels = pd.Series(np.asarray(y), index=X[self.artist_column].to_numpy())
        counts = pd.crosstab(labels.index, labels.to_numpy())
        self.artist_counts_ = counts.reindex(columns=self.classes_, fill_value=0).astype(float)
        shares = labels.value_counts(normalize=True)
        self.class_share_ = shares.reindex(self.classes_, fill_value=0.0).to_numpy()
        return self

    def artist_prior(self, artists: pd.Series) -> np.ndarray:
        counts = self.artist_counts_.reindex(artists.to_numpy()).fillna(0.0).to_numpy()
        totals = counts.sum(axis=1, keepdims=True)
        return (counts + self.smoothing * self.class_share_) / (totals + self.smoothing)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        audio = self.base_.predict_proba(X[self.feature_names_in_])
        blended = audio * self.artist_prior(X[self.artist_column]) ** self.weight
        return blended / blended.sum(axis=1, keepdims=True)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def make_audio_classifier(task: Task, seed: int, n_jobs: int) -> BaseEstimator:
    """Genres from the track's own features.

    114 genres: the mean of the class probabilities of a depth-limited random forest and
    extremely randomized trees (their errors differ, so the average ranks genres better
    than either). Gradient boosting builds one tree per class and round: too slow for 114
    classes here. 6 genres: histogram gradient boosting.
    """
    if task.name == "track_genre":
        # Class weights balanced: the primary-genre rule leaves genres that share many
        # tracks with others with fewer labels; weighting lifts their recall (macro-F1).
        forest = RandomForestClassifier(
            n_estimators=50,
            max_depth=15,
            class_weight="balanced",
            random_state=seed,
            n_jobs=n_jobs,
        )
        # Each tree stores 114 class values per node: min_samples_leaf bounds the number
        # of nodes and so the memory (about 1 GB for 60 trees on 72k tracks).
        extra = ExtraTreesClassifier(
            n_estimators=60,
            min_samples_leaf=5,
            max_features="sqrt",
            class_weight="balanced",
            random_state=seed,
            n_jobs=n_jobs,
        )
        return VotingClassifier([("forest", forest), ("extra", extra)], voting="soft")
    return HistGradientBoostingClassifier(
        max_iter=120, learning_rate=0.1, max_leaf_nodes=15, random_state=seed
    )


def make_best(task: Task, scenario: Scenario, seed: int, n_jobs: int) -> BaseEstimator:
    """Our model for this task and scenario (see the module docstring for how it was chosen)."""
    if task.kind == "regression":
        # Chosen on an inner validation split of fold 0's training tracks (bench/
        # search_popularity.py, docs/ml.md "Popularity features and settings").
        rounds, leaves = POPULARITY_SETTINGS.get(scenario.name, POPULARITY_SETTINGS["catalog"])
        return LightGBMRegressor(
            n_estimators=rounds,
            learning_rate=0.05,
            num_leaves=leaves,
            min_child_samples=20,
            random_state=seed,
        )
    audio = make_audio_classifier(task, seed, n_jobs)
    return ArtistPriorBlend(audio) if scenario.artist_features else audio


def make_model(name: str, task: Task, scenario: Scenario, seed: int, n_jobs: int) -> BaseEstimator:
    if name == "baseline":
        return make_baseline(task)
    if name == "reference_rf":
        return make_reference(task, seed, n_jobs)
    if name == "best":
        return make_best(task, scenario, seed, n_jobs)
    if name == BROWSER_MODEL:
        return make_browser_model(task, seed)
    raise KeyError(f"unknown model {name!r}")


def describe(estimator: BaseEstimator) -> dict[str, Any]:
    """The estimator's class and scalar parameters (nested ones too), for ml.model_runs."""
    final = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    steps = [name for name, _ in estimator.steps] if isinstance(estimator, Pipeline) else []
    params = {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in final.get_params(deep=True).items()
        if isinstance(value, (int, float, str, bool, type(None)))
        or (isinstance(value, tuple) and all(isinstance(item, int | float) for item in value))
    }
    name = type(final).__name__
    if isinstance(final, ArtistPriorBlend):
        name = f"{name}({type(final.base).__name__})"
    return {"estimator": name, "pipeline": steps, "params": params}


def with_n_jobs(estimator: BaseEstimator, n_jobs: int) -> BaseEstimator:
    """Set every n_jobs of an unfitted model, nested ones included, to `n_jobs`.

    A forest's fit gives the same trees with any n_jobs (each tree's seed is drawn before the
    trees are shared out between threads), so this changes how long a fit takes, not what it
    fits. Training fits with one thread per fold when it runs several folds at once.
    """
    names = [
        name
        for name in estimator.get_params(deep=True)
        if name == "n_jobs" or name.endswith("__n_jobs")
    ]
    return estimator.set_params(**dict.fromkeys(names, n_jobs))


def single_threaded(estimator: BaseEstimator) -> BaseEstimator:
    """Make a fitted model predict with one thread, for bit-identical results.

    A forest predicting with several threads adds the trees' outputs in whatever order the
    threads finish, so the last bit of a probability can differ between two runs. Fitting
    stays parallel (each tree has its own seed); only prediction is serialised.
    """
    pending = [estimator]
    while pending:
        item = pending.pop()
        if hasattr(item, "n_jobs"):
            item.n_jobs = 1
        if isinstance(item, Pipeline):
            pending.extend(step for _, step in item.steps)
        elif isinstance(item, VotingClassifier):
            pending.extend(getattr(item, "estimators_", []))
        elif isinstance(item, ArtistPriorBlend):
            pending.append(item.base_)
    return estimator
