"""Out-of-fold target statistics: features built from other tracks' labels, never a track's own.

"The artist's mean popularity" or "the share of the artist's tracks in each genre" are strong
features, and the classic leak: computed over all tracks, a track's own label sits inside
its own feature. Here, rows being predicted get statistics from the training rows only, and
training rows get them from an inner split of the training rows (each inner fold's
statistics come from the other inner folds). So no row ever sees its own label, in training
or in test, and the training features have the same noise as the test features.

Keys may be one per row (an artist id) or a list per row (a track's genres); a row's
statistic over several keys is the mean over its keys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models_ml.splits import assign_folds


def _long_keys(keys: pd.Series) -> pd.Series:
    """One (row position -> key) entry per key; rows without a key disappear."""
    values = keys.reset_index(drop=True)
    if values.dtype == object and any(
        isinstance(value, (list, tuple, np.ndarray)) for value in values
    ):
        values = values.explode()
    return values.dropna()


def _subset(long_keys: pd.Series, positions: np.ndarray) -> pd.Series:
    """`_long_keys(keys.iloc[positions])` from `_long_keys(keys)`, for sorted positions:
    the entries of those rows, renumbered 0..len(positions)-1, in the same order."""
    index = long_keys.index.to_numpy()
    kept = np.isin(index, positions)
    subset = long_keys[kept]
    subset.index = np.searchsorted(positions, index[kept])
    return subset


def smoothed_means(
    train_keys: pd.Series,
    train_targets: pd.DataFrame,
    apply_keys: pd.Series,
    prior: pd.Series,
    smoothing: float,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Per apply row: the smoothed mean of the targets of training rows sharing its keys.

    mean = (sum of targets + smoothing * prior) / (count + smoothing), per key, then averaged
    over the row's keys. A row whose keys never occur in training gets the prior. Also
    returns the number of training rows behind each row's statistic (summed over keys).
    """
    return _smoothed_means(
        _long_keys(train_keys),
        train_targets,
        _long_keys(apply_keys),
        len(apply_keys),
        prior,
        smoothing,
    )


def _smoothed_means(
    train_long: pd.Series,
    train_targets: pd.DataFrame,
    apply_long: pd.Series,
    n_rows: int,
    prior: pd.Series,
    smoothing: float,
) -> tuple[pd.DataFrame, np.ndarray]:
    """`smoothed_means` on keys already in long form (`_long_keys`)."""
    targets = train_targets.reset_index(drop=True).iloc[train_long.index.to_numpy()]
    targets.index = train_long.to_numpy()
    sums = targets.groupby(level=0).sum()
    counts = targets.groupby(level=0).size()

    key_sums = sums.reindex(apply_long.to_numpy()).fillna(0.0).to_numpy()
    key_counts = counts.reindex(apply_long.to_numpy()).fillna(0.0).to_numpy()
    denominator = (key_counts + smoothing)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        key_means = (key_sums + smoothing * prior.to_numpy()) / denominator
    # No smoothing and no training row for the key: the prior, not 0/0.
    key_means = np.where(denominator > 0, key_means, prior.to_numpy())

    per_key = pd.DataFrame(key_means, columns=train_targets.columns)
    per_key["_row"] = apply_long.index.to_numpy()
    per_key["_count"] = key_counts
    grouped = per_key.groupby("_row")
    means = grouped[list(train_targets.columns)].mean().reindex(range(n_rows))
    means = means.fillna(prior)
    counts_out = grouped["_count"].sum().reindex(range(n_rows)).fillna(0.0).to_numpy()
    return means.reset_index(drop=True), counts_out


def inner_folds(
    groups: pd.Series, train_pos: np.ndarray, n_inner_folds: int, seed: int
) -> np.ndarray:
    """The inner folds of the training rows, grouped as the outer folds are."""
    return assign_folds(groups.reset_index(drop=True).iloc[train_pos], n_inner_folds, seed)


def out_of_fold_means(
    keys: pd.Series,
    targets: pd.DataFrame,
    train_pos: np.ndarray,
    test_pos: np.ndarray,
    groups: pd.Series,
    smoothing: float,
    n_inner_folds: int,
    seed: int,
    inner: np.ndarray | None = None,
) -> tuple[tuple[pd.DataFrame, np.ndarray], tuple[pd.DataFrame, np.ndarray]]:
    """Smoothed key means for the training rows (inner out-of-fold) and the test rows.

    `targets` holds a label only where it may be used (NaN rows are ignored as sources of
    statistics). `groups` are the scenario's fold groups: inner folds follow them too, so a
    cold-start training row's statistics never come from its own artist either.
    Returns ((train means, train counts), (test means, test counts)), rows in the order of
    `train_pos` and `test_pos` (both sorted). `inner`, the inner folds of the training rows
    (`inner_folds`), may be passed in when several features share them.
    """
    keys = keys.reset_index(drop=True)
    targets = targets.reset_index(drop=True)
    usable = targets.notna().all(axis=1).to_numpy()
    # Explode list keys once; each split takes its rows from here (`_subset`).
    long_keys = _long_keys(keys)

    def fit_apply(source: np.ndarray, apply: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        source = source[usable[source]]
        prior = targets.iloc[source].mean()
        return _smoothed_means(
            _subset(long_keys, source),
            targets.iloc[source],
            _subset(long_keys, apply),
            len(apply),
            prior,
            smoothing,
        )

    test_stats = fit_apply(train_pos, test_pos)

    if inner is None:
        inner = inner_folds(groups, train_pos, n_inner_folds, seed)
    train_means = pd.DataFrame(index=range(len(train_pos)), columns=targets.columns, dtype=float)
    train_counts = np.zeros(len(train_pos))
    for fold in np.unique(inner):
        held = np.flatnonzero(inner == fold)
        means, counts = fit_apply(train_pos[inner != fold], train_pos[held])
        train_means.iloc[held] = means.to_numpy()
        train_counts[held] = counts
    return (train_means, train_counts), test_stats
