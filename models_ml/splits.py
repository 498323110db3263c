"""Grouped K-fold assignment: every row of a group lands in the same fold.

Folds are assigned once per scenario over the whole track table, so all tasks of a scenario
share them: a track is held out in the same fold whether we predict its genre or its
popularity. Grouping by track id (catalog) or primary artist (cold start) is what keeps the
same track, or the same artist, from sitting in both training and test.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd


def assign_folds(groups: pd.Series, n_folds: int, seed: int) -> np.ndarray:
    """Fold number (0..n_folds-1) per row, whole groups per fold, sizes balanced.

    Groups are shuffled with `seed`, then placed largest first into the fold with the fewest
    rows so far (the GroupKFold heuristic); the shuffle breaks ties between equal sizes, so
    different seeds give different folds. Deterministic for a given input and seed,
    whatever the row order.
    """
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, got {n_folds}")
    if groups.isna().any():
        raise ValueError(f"{int(groups.isna().sum())} rows have no group; every row needs one")
    sizes = groups.value_counts(sort=False)
    if len(sizes) < n_folds:
        raise ValueError(f"{len(sizes)} groups cannot fill {n_folds} folds")
    # Sort by name first so the outcome does not depend on the input's row order.
    sizes = sizes.sort_index()
    order = np.random.default_rng(seed).permutation(len(sizes))
    shuffled = sizes.iloc[order]
    # Stable sort by size (descending) keeps the shuffled order among equal sizes.
    ranked = shuffled.iloc[np.argsort(-shuffled.to_numpy(), kind="stable")]
    # The greedy pass is sequential; plain Python ints keep it fast (argmin's first minimum
    # is list.index(min)). Catalog folds place one group per track: ~116k groups.
    fold_rows = [0] * n_folds
    assigned = np.empty(len(ranked), dtype=np.int64)
    for position, size in enumerate(ranked.to_numpy().tolist()):
        fold = fold_rows.index(min(fold_rows))
        assigned[position] = fold
        fold_rows[fold] += size
    group_fold = pd.Series(assigned, index=ranked.index)
    return groups.map(group_fold).to_numpy(dtype=np.int64)


def fold_indices(folds: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(fold, train positions, test positions) for each fold number present."""
    for fold in np.unique(folds):
        yield int(fold), np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)


def check_grouping(groups: pd.Series, folds: np.ndarray) -> None:
    """Raise if any group appears in more than one fold (the leakage the protocol forbids)."""
    per_group = pd.Series(folds, index=groups.to_numpy()).groupby(level=0).nunique()
    leaking = per_group[per_group > 1]
    if not leaking.empty:
        raise AssertionError(
            f"{len(leaking)} groups span several folds, e.g. {list(leaking.index[:3])}"
        )
