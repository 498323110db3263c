"""Unit tests of what the catalog adds to the playlist recommenders (no warehouse): album and
artist affinity against hand counts, the new-artist segment, the re-ranker (it learns a
planted signal, falls back when there is nothing to learn, tunes on validation playlists
only), the reasons, the served lists, and the bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from models_ml.discovery.affinity import (
    album_matches,
    artist_matches,
    catalog_structure,
    shared_artist_rows,
)
from models_ml.discovery.clusters import AUDIO_COLUMNS, audio_matrix
from models_ml.discovery.playlist_evaluation import new_artist_relevant, serve_playlists
from models_ml.discovery.ranking_metrics import bootstrap_means, mean_metrics, summarize_metrics
from models_ml.discovery.recommenders import (
    continue_playlists,
    prepare_catalog,
    reasons,
)
from models_ml.discovery.reranker import FEATURES, Reranker, fit_reranker, top_of

pytestmark = pytest.mark.unit


def small_catalog() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Six tracks: s1-s3 on album A by ann (s3 featuring bob), b1 on album B by bob, c1 and
    c2 on album C by cat."""
    tracks = pd.DataFrame(
        {
            "track_id": ["s1", "s2", "s3", "b1", "c1", "c2"],
            "popularity": [50, 40, 30, 20, 10, 60],
            "album_key": ["A", "A", "A", "B", "C", "C"],
        }
    )
    rng = np.random.default_rng(0)
    for column in AUDIO_COLUMNS:
        tracks[column] = rng.random(len(tracks)) + 1.0
    artists = pd.DataFrame(
        {
            "track_id": ["s1", "s2", "s3", "s3", "b1", "c1", "c2"],
            "artist_id": ["ann", "ann", "ann", "bob", "bob", "cat", "cat"],
        }
    )
    matrix, _ = audio_matrix(tracks)
    return tracks, artists, matrix


def test_album_and_artist_matches_count_visible_tracks() -> None:
    tracks, artists, _ = small_catalog()
    ids = tracks["track_id"].to_numpy()
    structure = catalog_structure(ids, tracks["album_key"].to_numpy(), artists)
    # A playlist holding s1 and b1.
    query = sparse.csr_matrix(np.array([[1.0, 0, 0, 1, 0, 0]]))
    albums = dict(zip(ids, album_matches(query, structure)[0], strict=True))
    assert albums == {"s1": 1, "s2": 1, "s3": 1, "b1": 1, "c1": 0, "c2": 0}
    credited = dict(zip(ids, artist_matches(query, structure)[0], strict=True))
    # s3 credits ann (on s1) and bob (on b1): 2; b1 credits bob, on b1 itself: 1.
    assert credited == {"s1": 1, "s2": 1, "s3": 2, "b1": 1, "c1": 0, "c2": 0}
    assert structure.album_size.tolist() == [3, 3, 3, 1, 2, 2]
    # ann has 3 catalog tracks, bob 2, cat 2.
    assert structure.artist_reach.tolist() == [3, 3, 5, 2, 2, 2]


def test_every_track_needs_an_album_key() -> None:
    tracks, artists, _ = small_catalog()
    keys = tracks["album_key"].to_numpy().copy()
    keys[4] = None
    with pytest.raises(ValueError, match=r"tracks: 1 have no album_key, e\.g\. \['c1'\]"):
        catalog_structure(tracks["track_id"].to_numpy(), keys, artists)


def test_album_and_artist_reach_tracks_no_playlist_holds() -> None:
    tracks, artists, matrix = small_catalog()
    train = pd.DataFrame({"playlist_id": ["p", "q"], "track_id": ["s1", "c1"]})
    catalog = prepare_catalog(train, tracks, matrix, artists)
    picks = continue_playlists(catalog, train, ("album", "artist", "cooccurrence"), 2)
    lists = picks.groupby(["method", "playlist_id"])["track_id"].agg(list)
    # s2 and s3 are in no playlist: album and artist still find them; co-occurrence cannot.
    assert lists[("album", "p")] == ["s2", "s3"]  # ties: popularity
    assert lists[("artist", "p")] == ["s2", "s3"]
    assert lists[("album", "q")] == ["c2", "s1"]  # then the tie order fills the list
    assert lists[("cooccurrence", "p")] == ["c1"]  # only what some playlist holds


def test_new_artist_segment_keeps_tracks_of_unseen_artists() -> None:
    _, artists, _ = small_catalog()
    holdout = pd.DataFrame(
        [
            ("p", "s1", False),
            ("p", "s3", True),
            ("p", "c1", True),
            ("q", "b1", False),
            ("q", "s3", True),
        ],
        columns=["playlist_id", "track_id", "is_held_out"],
    )
    fresh = new_artist_relevant(holdout, artists)
    # p sees ann: s3 (ann, bob) is not new, c1 (cat) is; q sees bob: s3 credits bob.
    assert fresh.values.tolist() == [["p", "c1"]]
    rows = holdout.loc[holdout["is_held_out"], ["playlist_id", "track_id"]]
    visible = holdout.loc[~holdout["is_held_out"], ["playlist_id", "track_id"]]
    assert shared_artist_rows(rows, visible, artists).tolist() == [True, False, True]


def candidate_frame(n_playlists: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidates with random features in which the hidden tracks are exactly those with an
    album match, and the hidden rows (two per playlist are not among the candidates)."""
    rng = np.random.default_rng(seed)
    rows = []
    for playlist in range(n_playlists):
        for candidate in range(30):
            rows.append((f"p{playlist:02d}", f"t{candidate:02d}"))
    frame = pd.DataFrame(rows, columns=["playlist_id", "track_id"])
    for feature in FEATURES:
        frame[feature] = rng.random(len(frame))
    frame["album_matches"] = (rng.random(len(frame)) < 0.1).astype(float)
    hidden = frame.loc[frame["album_matches"] > 0, ["playlist_id", "track_id"]]
    missing = pd.DataFrame(
        [(f"p{playlist:02d}", f"gone{i}") for playlist in range(n_playlists) for i in range(2)],
        columns=["playlist_id", "track_id"],
    )
    return frame, pd.concat([hidden, missing], ignore_index=True)


def test_reranker_learns_a_planted_signal_and_publishes_its_tuning() -> None:
    frame, relevant = candidate_frame(40, seed=1)
    reranker, tuning = fit_reranker(frame, relevant, ((10, 3), (20, 3)), seed=0)
    assert reranker.model is not None
    scores = reranker.score(frame)
    assert scores[frame["album_matches"] > 0].min() > scores[frame["album_matches"] == 0].max()
    assert set(tuning["setting"]) == {
        "max_iter=10, max_leaf_nodes=3",
        "max_iter=20, max_leaf_nodes=3",
    }
    assert tuning.loc[tuning["is_chosen"], "metric"].tolist() == [
        "precision@10",
        "recall@10",
        "ndcg@10",
    ]
    assert (tuning["playlist_count"] == 40).all()
    chosen = tuning.loc[tuning["is_chosen"] & (tuning["metric"] == "ndcg@10"), "value"].item()
    # Cross-validated on halves of 40 playlists, it still ranks far above a random order.
    noise = np.random.default_rng(5).random(len(frame))
    at_random = mean_metrics(top_of(frame, noise, 10), relevant, 10)["ndcg@10"]
    assert chosen > 2 * at_random
    importance = reranker.importance().set_index("feature")["gain"]
    assert importance.idxmax() == "album_matches"
    assert importance.sum() == pytest.approx(1.0)


def test_reranker_falls_back_when_nothing_is_hidden_among_candidates() -> None:
    frame, _ = candidate_frame(6, seed=2)
    outside = pd.DataFrame({"playlist_id": ["p00", "p01"], "track_id": ["gone", "gone"]})
    reranker, tuning = fit_reranker(frame, outside, ((20, 3),), seed=0)
    assert reranker.model is None
    assert tuning["setting"].unique().tolist() == ["fallback (nothing to learn)"]
    assert tuning["is_chosen"].all()
    assert reranker.importance().empty
    assert np.isfinite(reranker.score(frame)).all()


def test_reasons_follow_their_precedence() -> None:
    picks = pd.DataFrame(
        {
            "album_matches": [2, 0, 0, 0, np.nan],
            "artist_matches": [1, 3, 0, 0, np.nan],
            "cooccurrence": [0.5, 0.5, 0.2, 0.0, np.nan],
        }
    )
    assert reasons(picks).tolist() == [
        "same_album",
        "same_artist",
        "played_together",
        "sounds_similar",
        "sounds_similar",
    ]


def test_served_playlists_get_new_tracks_with_reasons() -> None:
    tracks, artists, matrix = small_catalog()
    playlists = pd.DataFrame({"playlist_id": ["p", "p", "q"], "track_id": ["s1", "b1", "c1"]})
    fallback = Reranker(model=None, max_iter=0, max_leaf_nodes=0)
    served = serve_playlists(playlists, tracks, matrix, artists, fallback, "kernel", 5, 3)
    assert served.merge(playlists, on=["playlist_id", "track_id"]).empty
    by_playlist = served.groupby("playlist_id")["track_id"].agg(list)
    assert by_playlist["q"][0] == "c2"  # the album mate first
    assert served.loc[served["track_id"] == "c2", "reason"].tolist() == ["same_album"]
    assert served.groupby("playlist_id")["rank"].agg(list).tolist() == [[1, 2, 3], [1, 2, 3]]


def test_bootstrap_interval_brackets_the_mean_and_is_seeded() -> None:
    rng = np.random.default_rng(3)
    per_playlist = pd.DataFrame(
        {
            "method": np.repeat(["a", "b"], 200),
            "playlist_id": np.tile([f"p{i:03d}" for i in range(200)], 2),
            "precision@10": np.concatenate([rng.random(200) * 0.2, rng.random(200) * 0.2 + 0.5]),
            "recall@10": rng.random(400),
            "ndcg@10": rng.random(400),
        }
    )
    table = summarize_metrics(per_playlist, "all", samples=500, seed=7)
    assert (table["lower_95"] < table["value"]).all() and (table["value"] < table["upper_95"]).all()
    precision = table[table["metric"] == "precision@10"].set_index("method")
    assert precision.loc["a", "upper_95"] < precision.loc["b", "lower_95"]  # a real lead
    # The standard error of a mean of 200 uniforms on [0, 0.2]: 0.2 / sqrt(12 x 200).
    width = precision.loc["a", "upper_95"] - precision.loc["a", "lower_95"]
    assert width == pytest.approx(2 * 1.96 * 0.2 / np.sqrt(12 * 200), rel=0.25)
    pd.testing.assert_frame_equal(
        table, summarize_metrics(per_playlist, "all", samples=500, seed=7)
    )
    none = summarize_metrics(per_playlist, "all", samples=0)
    assert none["lower_95"].isna().all() and none["upper_95"].isna().all()
    same = bootstrap_means(np.ones((5, 2)), 10, 0)
    assert same.shape == (10, 2) and (same == 1.0).all()
