"""The playlist recommenders' protocol: hold-out, validation split, metrics per segment.

Every evaluated playlist keeps 80% of its tracks as the query and hides 20%
(`recommenders.holdout_split`); every method recommends 10 tracks from the whole catalog and
is scored on the hidden tracks it finds. Every model learns from the training rows only.
What is chosen is chosen on a validation split carved out of the training rows the same way
(seed + 1), never on the hold-out:

1. the content scoring (kernel or centroid): the higher content NDCG@10 on validation;
2. the hybrid's re-ranker: fitted on the validation playlists' candidates, labelled by their
   validation-hidden tracks, with its settings chosen by 2-fold cross-validation over those
   playlists (`reranker.fit_reranker`).

Segments of the hold-out (`segments`): all hidden tracks; cold_start_tracks, hidden tracks
in no training playlist (co-occurrence cannot find them); new_artists, hidden tracks none of
whose artists is credited on a visible track of the playlist (artist and album affinity
cannot find them). Each mean comes with a bootstrap interval over playlists.

`serve_playlists` gives every playlist its hybrid recommendations with all its tracks
visible, and the reason each was picked: what `python -m models_ml recommend --playlist`
prints and the Discover page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models_ml.discovery.affinity import shared_artist_rows
from models_ml.discovery.clusters import require_columns
from models_ml.discovery.ranking_metrics import (
    best_setting,
    mean_metrics,
    metric_names,
    playlist_metrics,
    summarize_metrics,
)
from models_ml.discovery.recommenders import (
    CONTENT_SCORINGS,
    METHODS,
    candidate_table,
    continue_playlists,
    holdout_split,
    prepare_catalog,
    reasons,
    training_rows,
)
from models_ml.discovery.reranker import Reranker, fit_reranker

SEGMENTS: tuple[str, ...] = ("all", "cold_start_tracks", "new_artists")
#: (max_iter, max_leaf_nodes) settings of the re-ranker tried on the validation split.
RERANKER_GRID: tuple[tuple[int, int], ...] = ((100, 7), (200, 7), (100, 15))
TUNING_COLUMNS = ["method", "setting", "metric", "value", "playlist_count", "is_chosen"]


def held_rows(holdout: pd.DataFrame) -> pd.DataFrame:
    return holdout.loc[holdout["is_held_out"], ["playlist_id", "track_id"]].reset_index(drop=True)


def query_rows(holdout: pd.DataFrame) -> pd.DataFrame:
    """The visible rows of the playlists that hide something: what is asked of a method."""
    held = held_rows(holdout)
    train = training_rows(holdout)
    return train.loc[train["playlist_id"].isin(held["playlist_id"])].reset_index(drop=True)


def cold_start_relevant(holdout: pd.DataFrame) -> pd.DataFrame:
    """Held-out rows whose track is in no training playlist (unfindable by co-occurrence)."""
    trained = set(training_rows(holdout)["track_id"])
    held = held_rows(holdout)
    return held.loc[~held["track_id"].isin(trained)].reset_index(drop=True)


def new_artist_relevant(holdout: pd.DataFrame, track_artists: pd.DataFrame) -> pd.DataFrame:
    """Held-out rows whose track credits no artist of the playlist's visible tracks."""
    held = held_rows(holdout)
    shared = shared_artist_rows(held, training_rows(holdout), track_artists)
    return held.loc[~shared.to_numpy()].reset_index(drop=True)


def segments(holdout: pd.DataFrame, track_artists: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The relevant rows of each segment (SEGMENTS)."""
    return {
        "all": held_rows(holdout),
        "cold_start_tracks": cold_start_relevant(holdout),
        "new_artists": new_artist_relevant(holdout, track_artists),
    }


@dataclass(frozen=True)
class RecommenderProtocol:
    """The evaluation protocol's knobs (`run.DiscoverySettings` holds the documented ones)."""

    #: Content scorings tried on the validation split.
    scorings: Sequence[str] = CONTENT_SCORINGS
    #: Re-ranker (max_iter, max_leaf_nodes) settings tried on the validation split.
    grid: Sequence[tuple[int, int]] = RERANKER_GRID
    #: Candidates the hybrid takes from each signal.
    n_candidates: int = 50
    #: Recommendations per playlist; the metrics are @ this k.
    n_recommendations: int = 10
    #: Bootstrap resamples of the playlists per interval (0: no intervals).
    bootstrap_samples: int = 1000
    seed: int = 0
    #: Share of a playlist hidden, and the smallest playlist that hides any (the validation
    #: split is carved the same way).
    share: float = 0.2
    min_tracks: int = 5


def fit_hybrid(
    train: pd.DataFrame,
    tracks: pd.DataFrame,
    matrix: np.ndarray,
    track_artists: pd.DataFrame,
    protocol: RecommenderProtocol = RecommenderProtocol(),
) -> tuple[str, Reranker, pd.DataFrame]:
    """Everything chosen or fitted before the hold-out is scored, from `train` alone.

    `train` (playlist_id, track_id) is split again like the hold-out (seed + 1): models
    learn from the validation-training rows, choices and the re-ranker's labels come from
    the validation-hidden rows. The content scoring with the higher content NDCG@k wins
    (ties: the earlier in `scorings`); the re-ranker learns from the candidates built with
    it. Returns the content scoring, the fitted re-ranker and the tuning table (content
    scorings, re-ranker settings).
    """
    k = protocol.n_recommendations
    validation = holdout_split(train, protocol.share, protocol.min_tracks, protocol.seed + 1)
    held, queries = held_rows(validation), query_rows(validation)
    catalog = prepare_catalog(training_rows(validation), tracks, matrix, track_artists)
    rows, candidates_of = [], {}
    for scoring in protocol.scorings:
        candidates_of[scoring], content = candidate_table(
            catalog, queries, scoring, protocol.n_candidates, ("content",), k
        )
        for metric, value in mean_metrics(content, held, k).items():
            rows.append(("content", f"content_scoring={scoring}", metric, value, scoring))
    content_tuning = pd.DataFrame(rows, columns=["method", "setting", "metric", "value", "scoring"])
    best = best_setting(content_tuning, k)
    scoring = str(best["scoring"])
    content_tuning["is_chosen"] = content_tuning["setting"] == best["setting"]
    content_tuning["playlist_count"] = held["playlist_id"].nunique()
    reranker, hybrid_tuning = fit_reranker(
        candidates_of[scoring], held, protocol.grid, protocol.seed, k
    )
    tuning = pd.concat([content_tuning[TUNING_COLUMNS], hybrid_tuning], ignore_index=True)
    return scoring, reranker, tuning


def evaluate_recommenders(
    holdout: pd.DataFrame,
    tracks: pd.DataFrame,
    matrix: np.ndarray,
    track_artists: pd.DataFrame,
    protocol: RecommenderProtocol = RecommenderProtocol(),
) -> dict[str, object]:
    """recommender_metrics, recommender_tuning, recommender_feature_importance, the hold-out
    recommendations, and the fitted (content scoring, re-ranker) for serving.

    Every model is built from `training_rows(holdout)`; the held-out rows only decide which
    recommendations are hits.
    """
    require_columns(holdout, ["playlist_id", "track_id", "is_held_out"], "recommender_holdout")
    train = training_rows(holdout)
    scoring, reranker, tuning = fit_hybrid(train, tracks, matrix, track_artists, protocol)
    catalog = prepare_catalog(train, tracks, matrix, track_artists)
    k = protocol.n_recommendations
    recommendations = continue_playlists(
        catalog,
        query_rows(holdout),
        METHODS,
        k,
        content_scoring=scoring,
        reranker=reranker,
        n_candidates=protocol.n_candidates,
        seed=protocol.seed,
    )
    metrics = pd.concat(
        [
            summarize_metrics(
                playlist_metrics(recommendations, relevant, k),
                segment,
                k,
                protocol.bootstrap_samples,
                protocol.seed,
            )
            for segment, relevant in segments(holdout, track_artists).items()
        ],
        ignore_index=True,
    )
    method_order = {method: position for position, method in enumerate(METHODS)}
    metric_order = {metric: position for position, metric in enumerate(metric_names(k))}
    order = pd.DataFrame(
        {
            "segment": metrics["segment"].map(SEGMENTS.index),
            "method": metrics["method"].map(method_order),
            "metric": metrics["metric"].map(metric_order),
        }
    ).sort_values(["segment", "method", "metric"])
    metrics = metrics.loc[order.index].reset_index(drop=True)
    return {
        "recommender_metrics": metrics,
        "recommender_tuning": tuning,
        "recommender_feature_importance": reranker.importance(),
        "recommendations": recommendations,
        "content_scoring": scoring,
        "reranker": reranker,
    }


def serve_playlists(
    playlists: pd.DataFrame,
    tracks: pd.DataFrame,
    matrix: np.ndarray,
    track_artists: pd.DataFrame,
    reranker: Reranker,
    content_scoring: str,
    n_candidates: int = 50,
    n_recommendations: int = 10,
) -> pd.DataFrame:
    """playlist_id, rank, track_id, score, reason, album_matches, artist_matches,
    cooccurrence, content: the hybrid's recommendations for every playlist, all its tracks
    visible and every playlist row learned from, with the reason for each
    (`recommenders.reasons`). The re-ranker is the one the evaluation fitted."""
    rows = playlists[["playlist_id", "track_id"]].drop_duplicates()
    catalog = prepare_catalog(rows, tracks, matrix, track_artists)
    served = continue_playlists(
        catalog,
        rows,
        ("hybrid",),
        n_recommendations,
        content_scoring=content_scoring,
        reranker=reranker,
        n_candidates=n_candidates,
    )
    served["reason"] = reasons(served)
    columns = ["playlist_id", "rank", "track_id", "score", "reason"]
    return served[
        [*columns, "album_matches", "artist_matches", "cooccurrence", "content"]
    ].reset_index(drop=True)
