"""Ranking metrics of playlist continuation, per playlist and summarized with intervals.

Binary relevance: a recommended track is a hit when it is one of the playlist's hidden
tracks. `precision_at_k`, `recall_at_k` and `ndcg_at_k` are the definitions, one list at a
time; `playlist_metrics` computes the same for every (method, playlist) at once, and
`summarize_metrics` averages over playlists with a bootstrap interval (resampling playlists),
so a report can say whether one method's lead over another is larger than the noise of which
playlists happened to be evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Bootstrap interval: central 95%.
INTERVAL = (2.5, 97.5)


def precision_at_k(recommended: Sequence[object], relevant: set[object], k: int = 10) -> float:
    """Share of the k slots filled with relevant items (a short list counts as misses)."""
    return sum(item in relevant for item in list(recommended)[:k]) / k


def recall_at_k(recommended: Sequence[object], relevant: set[object], k: int = 10) -> float:
    """Share of the relevant items found in the top k (NaN when nothing is relevant)."""
    if not relevant:
        return float("nan")
    return sum(item in relevant for item in list(recommended)[:k]) / len(relevant)


def ndcg_at_k(recommended: Sequence[object], relevant: set[object], k: int = 10) -> float:
    """Binary-relevance NDCG: sum of 1/log2(rank + 1) over hits, divided by the best
    achievable (all min(|relevant|, k) relevant items on top). NaN when nothing is relevant."""
    if not relevant:
        return float("nan")
    dcg = sum(
        1.0 / np.log2(rank + 1)
        for rank, item in enumerate(list(recommended)[:k], start=1)
        if item in relevant
    )
    ideal = sum(1.0 / np.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return float(dcg / ideal)


def metric_names(k: int) -> list[str]:
    return [f"precision@{k}", f"recall@{k}", f"ndcg@{k}"]


def playlist_metrics(
    recommendations: pd.DataFrame, relevant: pd.DataFrame, k: int = 10
) -> pd.DataFrame:
    """Per (method, playlist): precision, recall and NDCG at k.

    The same definitions as `precision_at_k`, `recall_at_k`, `ndcg_at_k`, vectorized.
    recommendations: method, playlist_id, rank, track_id. Every playlist with a relevant
    track is scored for every method, with zeros where a method recommended nothing;
    playlists without a relevant track are left out.
    """
    relevant = relevant[["playlist_id", "track_id"]].drop_duplicates()
    n_relevant = relevant.groupby("playlist_id").size().rename("n_relevant")
    top = recommendations.loc[recommendations["rank"] <= k]
    hits = top.merge(relevant.assign(hit=1.0), on=["playlist_id", "track_id"], how="inner")
    hits["gain"] = 1.0 / np.log2(hits["rank"].to_numpy() + 1.0)
    keys = ["method", "playlist_id"]
    found = hits.groupby(keys).agg(n_hits=("hit", "sum"), dcg=("gain", "sum"))
    methods = recommendations[["method"]].drop_duplicates()
    grid = methods.merge(n_relevant.reset_index(), how="cross")
    grid = grid.merge(found.reset_index(), on=keys, how="left").fillna({"n_hits": 0.0, "dcg": 0.0})
    ideal_gains = np.cumsum(1.0 / np.log2(np.arange(1, k + 1) + 1.0))
    ideal = ideal_gains[np.minimum(grid["n_relevant"].to_numpy(), k) - 1]
    precision, recall, ndcg = metric_names(k)
    grid[precision] = grid["n_hits"] / k
    grid[recall] = grid["n_hits"] / grid["n_relevant"]
    grid[ndcg] = grid["dcg"] / ideal
    return grid.drop(columns=["n_hits", "dcg"])


def bootstrap_means(values: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """Means of `samples` resamples (with replacement) of the rows of `values` (playlists x
    columns): samples x columns. Every column is resampled with the same draws, so methods
    compared on one draw are compared on the same playlists."""
    generator = np.random.default_rng(seed)
    draws = generator.integers(0, len(values), size=(samples, len(values)))
    return values[draws].mean(axis=1)


def summarize_metrics(
    per_playlist: pd.DataFrame, segment: str, k: int = 10, samples: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """Long table: segment, method, metric, value (mean over playlists), lower_95 and upper_95
    (the central 95% of `samples` bootstrap means over playlists; NaN when samples is 0),
    playlist_count."""
    metrics = metric_names(k)
    rows = []
    for method, frame in per_playlist.groupby("method", sort=True):
        frame = frame.sort_values("playlist_id")
        values = frame[metrics].to_numpy(dtype=np.float64)
        means = values.mean(axis=0) if len(values) else np.full(len(metrics), np.nan)
        if samples and len(values):
            lower, upper = np.percentile(bootstrap_means(values, samples, seed), INTERVAL, axis=0)
        else:
            lower = upper = np.full(len(metrics), np.nan)
        for index, metric in enumerate(metrics):
            rows.append(
                (segment, method, metric, means[index], lower[index], upper[index], len(values))
            )
    columns = ["segment", "method", "metric", "value", "lower_95", "upper_95", "playlist_count"]
    return pd.DataFrame(rows, columns=columns).astype({"playlist_count": "int64"})


def mean_metrics(recommendations: pd.DataFrame, relevant: pd.DataFrame, k: int) -> dict[str, float]:
    """Mean precision, recall and NDCG at k over the playlists with a relevant track, for
    recommendations of a single method."""
    per_playlist = playlist_metrics(recommendations, relevant, k)
    return {metric: float(per_playlist[metric].mean()) for metric in metric_names(k)}


def best_setting(tuning: pd.DataFrame, k: int) -> pd.Series:
    """The row for NDCG@k of the setting that scored it highest (ties: the earlier setting)
    in a tuning table of one row per (setting, metric): how every validation choice is made."""
    ndcg = tuning.loc[tuning["metric"] == f"ndcg@{k}"].reset_index(drop=True)
    return ndcg.loc[int(ndcg["value"].to_numpy().argmax())]
