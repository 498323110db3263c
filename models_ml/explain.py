"""What drives the predictions: impurity and permutation importance, SHAP, partial dependence.

All explanations are of held-out predictions: permutation importance is measured on each
fold's test tracks with that fold's model, and SHAP values explain each sampled track with
the model of the fold that held it out. In the catalog genre models the primary artist
column (the artist's genre prior) is reported as "artist_genre_prior"; SHAP explains their
audio model, the part a tree explainer can read. Permutation importance shuffles a genre
one-hot block (`track_genre:*`, ...) as one feature: one indicator alone says little, and
shuffling 144 indicators one by one was most of the explanation time.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import VotingClassifier
from sklearn.ensemble._forest import BaseForest
from sklearn.pipeline import Pipeline

from models_ml.estimators import ARTIST_COLUMN, ArtistPriorBlend, LightGBMRegressor

ARTIST_PRIOR_FEATURE = "artist_genre_prior"
#: Models whose prediction `predict_rows` splits across threads: forests and their averages.
ROW_PARALLEL = (BaseForest, VotingClassifier)


def reported_name(column: str) -> str:
    """The name a feature is reported under (the catalog blend's artist column is its prior)."""
    return ARTIST_PRIOR_FEATURE if column == ARTIST_COLUMN else column


def permutation_groups(columns: list[str]) -> dict[str, list[str]]:
    """Reported feature -> the columns shuffled together.

    A one-hot indicator (`track_genre:acoustic`) joins its block, reported as
    `track_genre:*`; every other column is its own group, under its reported name.
    """
    groups: dict[str, list[str]] = {}
    for column in columns:
        prefix, one_hot, _ = column.partition(":")
        groups.setdefault(f"{prefix}:*" if one_hot else reported_name(column), []).append(column)
    return groups


def final_estimator(estimator: BaseEstimator) -> BaseEstimator:
    return estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator


def tree_model(estimator: BaseEstimator, columns: list[str]) -> tuple[BaseEstimator, list[str]]:
    """The tree ensemble inside a model and the columns it reads (a blend's audio model)."""
    model = final_estimator(estimator)
    if isinstance(model, ArtistPriorBlend):
        return model.base_, list(model.feature_names_in_)
    if isinstance(model, LightGBMRegressor):
        return model.model_, list(model.feature_names_in_)
    return model, columns


def impurity_importance(estimator: BaseEstimator, columns: list[str]) -> pd.Series | None:
    """Mean decrease in impurity per feature (sums to 1); None if the model has none."""
    model, read = tree_model(estimator, columns)
    if isinstance(model, VotingClassifier):
        # An average of forests: the average of their importances.
        values = np.mean([member.feature_importances_ for member in model.estimators_], axis=0)
    else:
        values = getattr(model, "feature_importances_", None)
    if values is None:
        return None
    return pd.Series(values, index=read)


def permutation_importance(
    features: pd.DataFrame,
    target: np.ndarray,
    predict: Callable[[pd.DataFrame], np.ndarray],
    metric: Callable[[np.ndarray, np.ndarray], float],
    n_repeats: int,
    seed: int,
) -> pd.Series:
    """Mean drop of `metric` when one feature's values are shuffled across rows.

    A one-hot block is one feature (`permutation_groups`): its columns are shuffled with the
    same permutation, so every row keeps a valid set of genres. Every shuffled copy is
    stacked under the original rows and predicted in one call (the models predict each row
    on its own, so this equals one call per copy, without a model call's fixed cost paid
    40 times over).
    """
    rng = np.random.default_rng(seed)
    n_rows = len(features)
    groups = permutation_groups(list(features.columns))
    blocks = [features]
    for columns in groups.values():
        for _ in range(n_repeats):
            shuffled = features.copy()
            shuffled[columns] = features[columns].to_numpy()[rng.permutation(n_rows)]
            blocks.append(shuffled)
    predicted = predict(pd.concat(blocks, ignore_index=True))
    scores = [
        metric(target, predicted[block * n_rows : (block + 1) * n_rows])
        for block in range(len(blocks))
    ]
    reference = scores[0]
    drops = {}
    for position, name in enumerate(groups):
        first = 1 + position * n_repeats
        repeats = [reference - score for score in scores[first : first + n_repeats]]
        drops[name] = float(np.mean(repeats))
    return pd.Series(drops)


def stratified_sample(strata: pd.Series, size: int, seed: int) -> np.ndarray:
    """Positions of about `size` rows drawn in proportion to each stratum (at least one each)."""
    strata = strata.reset_index(drop=True)
    if size <= 0:
        return np.array([], dtype=np.int64)
    if len(strata) <= size:
        return np.arange(len(strata))
    rng = np.random.default_rng(seed)
    shares = strata.value_counts(sort=False).sort_index()
    quota = np.maximum(1, np.floor(shares * size / len(strata))).astype(int)
    chosen: list[int] = []
    for stratum, count in quota.items():
        members = np.flatnonzero(strata.to_numpy() == stratum)
        chosen.extend(rng.choice(members, size=min(count, len(members)), replace=False))
    chosen_array = np.array(sorted(chosen))
    if len(chosen_array) > size:
        chosen_array = np.sort(rng.choice(chosen_array, size=size, replace=False))
    return chosen_array


def shap_values(
    estimator: BaseEstimator,
    features: pd.DataFrame,
    explained_class: np.ndarray | None,
) -> pd.DataFrame:
    """SHAP values per (row, feature) for the given rows, with TreeExplainer.

    For classifiers, each row is explained for `explained_class` (the index of its
    predicted class). Returns row, feature, feature_value, shap_value and base_value. A
    blend is explained through its audio model, which never reads the artist column.
    """
    import shap  # imported here: slow to import, and only training needs it

    model, read = tree_model(estimator, list(features.columns))
    features = features[read]
    # The values the tree model reads, as an array: TreeExplainer turns a frame into its
    # values anyway, except for LightGBM, which it hands the input as is and which was fitted
    # on values (it refuses `:` in a column name).
    matrix = features
    if isinstance(estimator, Pipeline):
        matrix = Pipeline(estimator.steps[:-1]).transform(features)
    matrix = np.asarray(matrix, dtype=float)
    explainer = shap.TreeExplainer(model)
    values = np.asarray(explainer.shap_values(matrix, check_additivity=False))
    base = np.asarray(explainer.expected_value, dtype=float).reshape(-1)
    rows = np.arange(len(features))
    if values.ndim == 3:  # (rows, columns, classes)
        assert explained_class is not None
        values = values[rows, :, explained_class]
        base_values = base[explained_class]
    else:
        base_values = np.full(len(features), base[0])
    # Long form, feature by feature: (row, feature, its value, its SHAP value).
    n_rows, n_columns = values.shape
    return pd.DataFrame(
        {
            "row": np.tile(rows, n_columns),
            "feature": np.repeat(features.columns.to_numpy(), n_rows),
            "feature_value": features.to_numpy(dtype=float).T.ravel(),
            "shap_value": values.T.ravel(),
            "base_value": np.tile(base_values, n_columns),
        }
    )


def feature_grid(values: pd.Series, points: int) -> np.ndarray:
    """Grid for partial dependence: the distinct values if few, else evenly spaced quantiles."""
    present = values.dropna().to_numpy(dtype=float)
    distinct = np.unique(present)
    if len(distinct) <= points:
        return distinct
    return np.unique(np.quantile(present, np.linspace(0.05, 0.95, points)))


def partial_dependence(
    estimator: BaseEstimator,
    features: pd.DataFrame,
    explained: list[str],
    points: int,
    classes: np.ndarray | None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Mean prediction as one feature is set to each grid value for every sampled track.

    The sensitivity analysis: other features keep their observed values. For classifiers
    the mean probability of every class is returned (class_label), for regressors the mean
    predicted value (class_label None).
    """
    frames = []
    for feature in explained:
        grid = feature_grid(features[feature], points)
        if len(grid) == 0:
            continue
        stacked = pd.concat([features] * len(grid), ignore_index=True)
        stacked[feature] = np.repeat(grid, len(features))
        if classes is None:
            predictions = predict_rows(estimator, stacked, "predict", n_jobs)
            predictions = predictions.reshape(len(grid), len(features)).mean(axis=1)
            frames.append(
                pd.DataFrame(
                    {
                        "feature": feature,
                        "grid_value": grid,
                        "class_label": None,
                        "mean_prediction": predictions,
                    }
                )
            )
        else:
            probabilities = aligned_probabilities(estimator, stacked, classes, n_jobs)
            means = probabilities.reshape(len(grid), len(features), len(classes)).mean(axis=1)
            frames.append(
                pd.DataFrame(
                    {
                        "feature": feature,
                        "grid_value": np.repeat(grid, len(classes)),
                        "class_label": np.tile(classes, len(grid)),
                        "mean_prediction": means.reshape(-1),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


#: Fewer rows than this are predicted in one call: threads would cost more than they save.
PARALLEL_MIN_ROWS = 2_000


def predict_rows(
    estimator: BaseEstimator, features: pd.DataFrame, method: str = "predict", n_jobs: int = 1
) -> np.ndarray:
    """`estimator.<method>(features)` with the rows split across `n_jobs` threads.

    A fitted forest predicts with one thread (`estimators.single_threaded`), so that each
    row's tree outputs are added in a fixed order and two runs agree bit for bit. Splitting
    the rows instead keeps that order for every row and still uses every core: the result
    is the same array, bit for bit. Gradient boosting is parallel already (OpenMP) and
    other models are cheap: they are called as they are.
    """
    call = getattr(estimator, method)
    model, _ = tree_model(estimator, list(features.columns))
    if n_jobs <= 1 or len(features) < PARALLEL_MIN_ROWS or not isinstance(model, ROW_PARALLEL):
        return call(features)
    bounds = np.linspace(0, len(features), n_jobs + 1).astype(int)
    chunks = [features.iloc[start:stop] for start, stop in pairwise(bounds)]
    with ThreadPoolExecutor(n_jobs) as pool:
        return np.concatenate(list(pool.map(call, chunks)))


def aligned_probabilities(
    estimator: BaseEstimator, features: pd.DataFrame, classes: np.ndarray, n_jobs: int = 1
) -> np.ndarray:
    """predict_proba with one column per entry of `classes` (0 for classes unseen in training)."""
    raw = predict_rows(estimator, features, "predict_proba", n_jobs)
    fitted = list(final_estimator(estimator).classes_)
    if fitted == list(classes):
        return raw
    out = np.zeros((len(features), len(classes)))
    position = {label: index for index, label in enumerate(classes)}
    for column, label in enumerate(fitted):
        out[:, position[label]] = raw[:, column]
    return out
