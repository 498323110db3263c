"""The hybrid recommender's second stage: candidates from every signal, re-ranked by a model.

As the teams that won the RecSys 2018 playlist challenge did, candidates come from several
simple recommenders (the `n_candidates` best of album, artist, co-occurrence, content and
most-popular each), and a gradient-boosted classifier orders them by the chance that the
candidate is a hidden track of the playlist, from per-candidate features (`FEATURES`):

- album_matches, artist_matches: visible tracks on the candidate's album / crediting its
  artists (`affinity`); album_share, artist_share: the same over the visible tracks;
  album_coverage: album_matches over the album's catalog tracks (2 of a 3-track album says
  more than 2 of 20); album_size, artist_reach: how much of the catalog the album and the
  artists hold.
- cooccurrence, content: the co-occurrence and content recommenders' scores; *_rank: the
  candidate's rank among the playlist's candidates by each signal.
- popularity (Spotify's), training_playlists (training playlists holding the candidate),
  visible_tracks (the playlist's length so far).

Nothing here says whether a candidate is in the playlist file: a track only in the tracks
file and one only in a hidden row look alike, so the model cannot learn where the hidden
tracks come from. It is fitted on a validation split carved from the training rows
(`recommenders.holdout_split` with seed + 1) and never sees the hold-out it is scored on;
its two settings are chosen by 2-fold cross-validation over the validation playlists
(`fit_reranker`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from models_ml.discovery.affinity import CatalogStructure
from models_ml.discovery.ranking_metrics import best_setting, mean_metrics
from models_ml.metrics import top_positions

#: The recommenders whose best tracks make the candidates (score matrices by these names).
CANDIDATE_SIGNALS: tuple[str, ...] = ("album", "artist", "cooccurrence", "content", "most_popular")
#: Signals whose rank among the candidates is a feature.
RANKED_SIGNALS: tuple[str, ...] = ("album", "artist", "cooccurrence", "content")
FEATURES: tuple[str, ...] = (
    "album_matches",
    "artist_matches",
    "album_share",
    "artist_share",
    "album_coverage",
    "album_size",
    "artist_reach",
    "cooccurrence",
    "content",
    "popularity",
    "training_playlists",
    "visible_tracks",
    *(f"{signal}_rank" for signal in RANKED_SIGNALS),
)
#: Fixed settings of the classifier; `fit_reranker` chooses max_iter and max_leaf_nodes.
LEARNING_RATE = 0.05
MIN_SAMPLES_LEAF = 50


def candidates(
    query: sparse.csr_matrix,
    signals: Mapping[str, np.ndarray],
    structure: CatalogStructure,
    popularity: np.ndarray,
    training_playlists: np.ndarray,
    n_candidates: int,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """(batch row, catalog column, features) of every candidate of a batch of playlists.

    signals: batch x catalog score matrices named as in `CANDIDATE_SIGNALS` (plus the
    album and artist matches under "album" and "artist"), visible tracks at -inf. The
    candidates of a playlist are the union of each signal's `n_candidates` best; rows come
    sorted by (row, column).
    """
    tops = np.concatenate(
        [top_positions(signals[name], n_candidates)[0] for name in CANDIDATE_SIGNALS], axis=1
    )
    rows = np.repeat(np.arange(tops.shape[0]), tops.shape[1])
    columns = tops.ravel()
    pairs = np.unique(np.stack([rows[columns >= 0], columns[columns >= 0]], axis=1), axis=0)
    row, column = pairs[:, 0], pairs[:, 1]
    visible = np.asarray(query.sum(axis=1)).ravel()[row]

    def finite(name: str) -> np.ndarray:
        values = signals[name][row, column]
        return np.where(np.isfinite(values), values, 0.0)

    album, artist = finite("album"), finite("artist")
    frame = pd.DataFrame(
        {
            "album_matches": album,
            "artist_matches": artist,
            "album_share": album / np.maximum(visible, 1),
            "artist_share": artist / np.maximum(visible, 1),
            "album_coverage": album / structure.album_size[column],
            "album_size": structure.album_size[column].astype(np.float64),
            "artist_reach": structure.artist_reach[column].astype(np.float64),
            "cooccurrence": finite("cooccurrence"),
            "content": finite("content"),
            "popularity": popularity[column],
            "training_playlists": training_playlists[column].astype(np.float64),
            "visible_tracks": visible.astype(np.float64),
        }
    )
    for signal in RANKED_SIGNALS:
        frame[f"{signal}_rank"] = (
            frame.groupby(row)[f"{signal}_matches" if signal in ("album", "artist") else signal]
            .rank(ascending=False, method="min")
            .to_numpy()
        )
    return row, column, frame


def fallback_scores(features: pd.DataFrame) -> np.ndarray:
    """The order used when there is nothing to learn from (no hidden track among the
    validation candidates, as on toy data): album, then artist, then co-occurrence share of
    the visible tracks, content breaking what is left."""
    return (
        4.0 * features["album_share"].to_numpy()
        + 2.0 * features["artist_share"].to_numpy()
        + features["cooccurrence"].to_numpy() / np.maximum(features["visible_tracks"], 1)
        + 0.1 * features["content"].to_numpy()
    )


@dataclass(frozen=True)
class Reranker:
    """The fitted second stage: `model` is None when it fell back to `fallback_scores`."""

    model: HistGradientBoostingClassifier | None
    max_iter: int
    max_leaf_nodes: int

    def score(self, features: pd.DataFrame) -> np.ndarray:
        if self.model is None:
            return fallback_scores(features)
        with threadpool_limits(limits=1, user_api="openmp"):
            return self.model.predict_proba(features[list(FEATURES)])[:, 1]

    def importance(self) -> pd.DataFrame:
        """feature, gain: each feature's share of the model's total split gain (empty when
        it fell back): what the re-ranker learned to look at."""
        if self.model is None:
            return pd.DataFrame(columns=["feature", "gain"])
        gains = np.zeros(len(FEATURES))
        for trees in self.model._predictors:
            for tree in trees:
                nodes = tree.nodes[~tree.nodes["is_leaf"].astype(bool)]
                np.add.at(gains, nodes["feature_idx"], nodes["gain"])
        total = gains.sum()
        return pd.DataFrame({"feature": FEATURES, "gain": gains / total if total else gains})


def _classifier(max_iter: int, max_leaf_nodes: int, seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=max_iter,
        learning_rate=LEARNING_RATE,
        max_leaf_nodes=max_leaf_nodes,
        min_samples_leaf=MIN_SAMPLES_LEAF,
        early_stopping=False,
        random_state=seed,
    )


def top_of(candidates: pd.DataFrame, score: np.ndarray, k: int) -> pd.DataFrame:
    """playlist_id, rank, track_id: each playlist's k best candidates by `score` (ties keep
    the candidates' order), as a recommendations frame of the method "hybrid"."""
    frame = candidates[["playlist_id", "track_id"]].assign(
        score=score, position=np.arange(len(score))
    )
    frame = frame.sort_values(["playlist_id", "score", "position"], ascending=[True, False, True])
    frame["rank"] = frame.groupby("playlist_id").cumcount() + 1
    return frame.loc[frame["rank"] <= k, ["playlist_id", "rank", "track_id"]].assign(
        method="hybrid"
    )


def fit_reranker(
    candidates: pd.DataFrame,
    relevant: pd.DataFrame,
    grid: Sequence[tuple[int, int]],
    seed: int,
    k: int = 10,
) -> tuple[Reranker, pd.DataFrame]:
    """Choose (max_iter, max_leaf_nodes) from `grid` and fit the re-ranker on every candidate.

    candidates: playlist_id, track_id and FEATURES of the validation playlists' candidates
    (`recommenders.candidate_table`); relevant: their hidden rows (playlist_id, track_id),
    found among the candidates or not. Each setting is scored by 2-fold cross-validation
    over the playlists (fitted on a seeded half, ranked on the other, both ways): the
    highest NDCG@k wins, ties to the earlier setting. With no hidden track among either
    half's candidates there is nothing to learn, and the re-ranker falls back to
    `fallback_scores` (the tuning table's only row says so).

    Returns the re-ranker and the tuning table: method, setting, metric, value,
    playlist_count, is_chosen.
    """
    relevant = relevant[["playlist_id", "track_id"]].drop_duplicates()
    ids = np.sort(relevant["playlist_id"].unique())
    candidates = candidates.loc[candidates["playlist_id"].isin(ids)].reset_index(drop=True)
    labels = (
        candidates[["playlist_id", "track_id"]]
        .merge(relevant.assign(hit=1), on=["playlist_id", "track_id"], how="left")["hit"]
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )
    halves = pd.Series(np.random.default_rng(seed).permutation(np.arange(len(ids)) % 2), index=ids)
    half = halves.reindex(candidates["playlist_id"]).to_numpy()
    learnable = all(len(np.unique(labels[half == h])) == 2 for h in (0, 1))
    features = candidates[list(FEATURES)]
    # One OpenMP thread: the fits are small, and beside another busy process (the build's
    # other stage, a test run) two threads wait on each other at every step: 14 s instead of
    # 1 s for the unit test's 1,200 candidates.
    with threadpool_limits(limits=1, user_api="openmp"):
        rows = []
        for max_iter, max_leaf_nodes in grid if learnable else []:
            scores = np.zeros(len(candidates))
            for h in (0, 1):
                train, test = half != h, half == h
                model = _classifier(max_iter, max_leaf_nodes, seed).fit(
                    features[train], labels[train]
                )
                scores[test] = model.predict_proba(features[test])[:, 1]
            metrics = mean_metrics(top_of(candidates, scores, k), relevant, k)
            setting = f"max_iter={max_iter}, max_leaf_nodes={max_leaf_nodes}"
            rows += [(setting, max_iter, max_leaf_nodes, m, v) for m, v in metrics.items()]
        if not rows:
            metrics = mean_metrics(top_of(candidates, fallback_scores(features), k), relevant, k)
            rows = [("fallback (nothing to learn)", 0, 0, m, v) for m, v in metrics.items()]
        table = pd.DataFrame(
            rows, columns=["setting", "max_iter", "max_leaf_nodes", "metric", "value"]
        )
        best = best_setting(table, k)
        table["is_chosen"] = table["setting"] == best["setting"]
        model = None
        if learnable:
            model = _classifier(int(best["max_iter"]), int(best["max_leaf_nodes"]), seed)
            model.fit(features, labels)
    reranker = Reranker(model, int(best["max_iter"]), int(best["max_leaf_nodes"]))
    table["method"] = "hybrid"
    table["playlist_count"] = len(ids)
    columns = ["method", "setting", "metric", "value", "playlist_count", "is_chosen"]
    return reranker, table[columns]
