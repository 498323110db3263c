"""The metrics that need every class probability, so cannot come from the predictions tables.

Accuracy, macro precision / recall / F1, top-k, any-genre accuracy, R², MAE and RMSE are
computed in SQL from ml.genre_predictions and ml.popularity_predictions (models
ml/model_metrics.sql and ml/genre_class_metrics.sql); the tests check them against
scikit-learn. One-vs-rest AUC needs the full probability matrix, which is not stored, so
it is computed here per fold. `top_positions` (the k best of each row, ties by column) is
shared with the discovery recommenders.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def macro_ovr_auc(y_true: np.ndarray, probabilities: np.ndarray, classes: np.ndarray) -> float:
    """Unweighted mean of one-vs-rest AUC over the classes present in `y_true`.

    A class with no positive (or no negative) test track has no defined AUC and is left
    out; NaN when no class qualifies. Constant scores (the baseline) give 0.5.
    """
    # Mann-Whitney form of the AUC, on average ranks (ties count one half), as
    # roc_auc_score computes it; one rank pass per class over 114 classes is what keeps this
    # cheap.
    # Integer codes: comparing 100k label strings once, not once per class.
    position = {label: index for index, label in enumerate(classes)}
    codes = np.array([position.get(label, -1) for label in y_true], dtype=np.int64)
    scores = []
    for index in range(len(classes)):
        positive = codes == index
        n_positive = int(positive.sum())
        n_negative = len(y_true) - n_positive
        if n_positive == 0 or n_negative == 0:
            continue
        ranks = rankdata(probabilities[:, index])
        rank_sum = ranks[positive].sum() - n_positive * (n_positive + 1) / 2
        scores.append(rank_sum / (n_positive * n_negative))
    return float(np.mean(scores)) if scores else float("nan")


def label_ranks(y_true: np.ndarray, probabilities: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """1-based rank of each true label among the predicted probabilities (1 = top).

    Ties rank in class order (the same order `top_k` uses), so rank <= k exactly when the
    label is among the top-k predictions. A label the model has never seen ranks last + 1.
    """
    position = {label: index for index, label in enumerate(classes)}
    true_index = np.array([position.get(label, -1) for label in y_true])
    order = np.argsort(-probabilities, axis=1, kind="stable")
    ranks = np.full(len(y_true), len(classes) + 1, dtype=np.int64)
    seen = true_index >= 0
    hits = order[seen] == true_index[seen][:, None]
    ranks[seen] = hits.argmax(axis=1) + 1
    return ranks


def top_k(probabilities: np.ndarray, classes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k most probable classes per row and their probabilities, best first."""
    positions, values = top_positions(probabilities, min(k, len(classes)))
    return classes[positions], values


def top_positions(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise positions and scores of the k highest finite scores, best first.

    Equal scores go to the lower column, so the column order is the tie-break. Exact for
    any number of ties (a partition finds the k-th score; no sort of the whole row).
    Rows with fewer than k finite scores come back padded with position -1.
    """
    n_rows, n_columns = scores.shape
    k_eff = min(k, n_columns)
    finite = np.isfinite(scores)
    masked = np.where(finite, scores, -np.inf)
    kth = -np.partition(-masked, k_eff - 1, axis=1)[:, k_eff - 1]
    above = finite & (masked > kth[:, None])
    equal = finite & (masked == kth[:, None])
    missing = k_eff - above.sum(axis=1)
    selected = above | (equal & (np.cumsum(equal, axis=1) <= missing[:, None]))
    row, column = np.nonzero(selected)
    order = np.lexsort((column, -masked[row, column], row))
    row, column = row[order], column[order]
    slot = np.arange(len(row)) - np.searchsorted(row, row)
    positions = np.full((n_rows, k), -1, dtype=np.int64)
    values = np.full((n_rows, k), np.nan)
    positions[row, slot] = column
    values[row, slot] = masked[row, column]
    return positions, values
