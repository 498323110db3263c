"""Unit tests of the discovery layer on small synthetic data (no warehouse): the hold-out
never leaks into the models, recommendations and similar tracks exclude what they must,
k-means finds planted clusters, the ranking metrics match hand-computed values, and a run
is deterministic. tests/test_playlist_recommenders_unit.py covers the album and artist
signals, the re-ranker, the segments and the intervals."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from models_ml import artifacts
from models_ml.discovery.clusters import (
    AUDIO_COLUMNS,
    audio_matrix,
    name_clusters,
    scan_k,
)
from models_ml.discovery.playlist_evaluation import (
    SEGMENTS,
    RecommenderProtocol,
    cold_start_relevant,
    evaluate_recommenders,
    fit_hybrid,
)
from models_ml.discovery.ranking_metrics import (
    ndcg_at_k,
    playlist_metrics,
    precision_at_k,
    recall_at_k,
)
from models_ml.discovery.recommenders import (
    METHODS,
    continue_playlists,
    cooccurrence_scores,
    holdout_split,
    interaction_matrix,
    prepare_catalog,
    training_rows,
)
from models_ml.discovery.run import DiscoverySettings, _select_with_types, build_discovery
from models_ml.discovery.similarity import similar_tracks, song_keys
from models_ml.metrics import top_positions

pytestmark = pytest.mark.unit

SMALL = DiscoverySettings(
    k_values=(2, 3, 4, 5),
    silhouette_sample_size=200,
    kmeans_n_init=3,
    reranker_grid=((20, 7), (40, 7)),
    bootstrap_samples=50,
)
#: A quick protocol for the tests that call it directly.
QUICK = RecommenderProtocol(grid=((20, 7),), bootstrap_samples=20)


Catalog = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]


def synthetic_catalog(n_tracks: int = 400, n_playlists: int = 30, seed: int = 0) -> Catalog:
    """tracks, genres, playlists, artists with structure: four audio styles, playlists drawn
    mostly from one style, albums of four tracks, every fifth track featuring a second
    artist, a few songs duplicated under a second id, one undetected tempo."""
    rng = np.random.default_rng(seed)
    style = rng.integers(0, 4, n_tracks)
    centres = rng.normal(0, 1, (4, len(AUDIO_COLUMNS)))
    values = centres[style] + rng.normal(0, 0.4, (n_tracks, len(AUDIO_COLUMNS)))
    tracks = pd.DataFrame(
        {
            "track_id": [f"t{i:04d}" for i in range(n_tracks)],
            "track_name": [f"Song {i}" for i in range(n_tracks)],
            "artist_names": [f"Artist {i % 97}" for i in range(n_tracks)],
            "popularity": rng.integers(0, 100, n_tracks),
            "album_key": [f"album {i // 4}" for i in range(n_tracks)],
        }
    )
    for position, column in enumerate(AUDIO_COLUMNS):
        tracks[column] = values[:, position]
    tracks["duration_sec"] = np.exp(tracks["duration_sec"] / 3 + 5.4)
    tracks["tempo"] = 120 + 20 * tracks["tempo"]
    tracks.loc[7, "tempo"] = np.nan
    # Tracks 301..305 are songs 0..4 again under other ids (case and spaces differ).
    for copy in range(5):
        tracks.loc[copy + 1 + 300, ["track_name", "artist_names"]] = [
            f"  song {copy} ",
            f"ARTIST {copy % 97}",
        ]
        tracks.loc[copy + 1 + 300, list(AUDIO_COLUMNS)] = tracks.loc[copy, list(AUDIO_COLUMNS)]
    genre_names = np.array(["rock", "pop", "jazz", "metal"])
    genres = pd.concat(
        [
            pd.DataFrame(
                {
                    "track_id": tracks["track_id"],
                    "taxonomy": "track_genre",
                    "genre": genre_names[style],
                }
            ),
            pd.DataFrame(
                {"track_id": tracks["track_id"][:100], "taxonomy": "playlist_genre", "genre": "pop"}
            ),
        ],
        ignore_index=True,
    )
    rows = []
    for playlist in range(n_playlists):
        home = playlist % 4
        size = int(rng.integers(3, 16))
        in_style = np.flatnonzero(style == home)
        members = rng.choice(in_style, size - 1, replace=False).tolist()
        members.append(int(rng.integers(0, n_tracks)))
        rows += [(f"p{playlist:03d}", f"t{member:04d}") for member in members]
    playlists = pd.DataFrame(rows, columns=["playlist_id", "track_id"])
    artists = pd.concat(
        [
            pd.DataFrame(
                {
                    "track_id": tracks["track_id"],
                    "artist_id": [f"a{i % 97}" for i in range(n_tracks)],
                }
            ),
            pd.DataFrame({"track_id": tracks["track_id"][::5], "artist_id": "a-featured"}),
        ],
        ignore_index=True,
    )
    return tracks, genres, playlists, artists


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return synthetic_catalog()


@pytest.fixture(scope="module")
def built(catalog: Catalog) -> dict[str, pd.DataFrame]:
    return build_discovery(*catalog, SMALL)


# ----------------------------------------------------------------------------- hold-out


def test_holdout_hides_a_fifth_of_playlists_of_five_or_more() -> None:
    playlists = pd.DataFrame(
        [("big", f"t{i}") for i in range(23)]
        + [("five", f"t{i}") for i in range(5)]
        + [("four", f"t{i}") for i in range(4)]
        + [("big", "t1")]  # a duplicate row counts once
    )
    playlists.columns = ["playlist_id", "track_id"]
    split = holdout_split(playlists, share=0.2, min_tracks=5, seed=3)
    held = split.groupby("playlist_id")["is_held_out"].sum()
    assert held.to_dict() == {"big": 5, "five": 1, "four": 0}  # round(4.6) = 5, at least 1
    assert len(split) == 23 + 5 + 4


def test_holdout_ignores_row_order_and_other_playlists() -> None:
    playlists = synthetic_catalog()[2]
    split = holdout_split(playlists, seed=11)
    shuffled = holdout_split(playlists.sample(frac=1.0, random_state=1), seed=11)
    pd.testing.assert_frame_equal(split, shuffled)
    alone = holdout_split(playlists[playlists["playlist_id"] == "p005"], seed=11)
    pd.testing.assert_frame_equal(
        alone, split[split["playlist_id"] == "p005"].reset_index(drop=True)
    )
    assert not holdout_split(playlists, seed=12).equals(split)


def leak_case() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Track h is held out everywhere it occurs, and co-occurs with P1's query track a only
    through P2's held-out row; it is also the most popular track if held-out rows counted.
    Every track is its own album, by its own artist."""
    names = ["a", "b", "c", "d", "h", "x"] + [f"f{i:02d}" for i in range(12)]
    tracks = pd.DataFrame(
        {
            "track_id": names,
            "track_name": names,
            "artist_names": "someone",
            "popularity": [10, 10, 10, 10, 99, 10] + [5] * 12,
            "album_key": names,
        }
    )
    rng = np.random.default_rng(0)
    for column in AUDIO_COLUMNS:
        tracks[column] = rng.random(len(names)) + 1.0
    holdout = pd.DataFrame(
        [("P1", track, False) for track in "abcd"]
        + [("P1", "h", True), ("P2", "a", False), ("P2", "x", False), ("P2", "h", True)]
        + [("P3", f"f{i:02d}", False) for i in range(12)]
        + [("P3", "h", True)],
        columns=["playlist_id", "track_id", "is_held_out"],
    )
    artists = pd.DataFrame({"track_id": names, "artist_id": [f"by {name}" for name in names]})
    return tracks, holdout, artists


def test_held_out_rows_never_build_the_models() -> None:
    tracks, holdout, artists = leak_case()
    matrix, _ = audio_matrix(tracks)
    train = training_rows(holdout)
    assert not train.merge(holdout[holdout["is_held_out"]], on=["playlist_id", "track_id"]).shape[0]
    result = evaluate_recommenders(holdout, tracks, matrix, artists, replace(QUICK, min_tracks=3))
    recommendations = result["recommendations"]
    p1 = recommendations[recommendations["playlist_id"] == "P1"]
    cooc = p1[p1["method"] == "cooccurrence"]
    # x co-occurs with a through P2's training rows; h would, through held-out rows only.
    assert cooc["track_id"].iloc[0] == "x"
    assert "h" not in set(cooc["track_id"])
    assert "h" not in set(p1.loc[p1["method"] == "most_popular", "track_id"])
    metrics = result["recommender_metrics"].set_index(["segment", "method", "metric"])["value"]
    assert metrics[("cold_start_tracks", "cooccurrence", "recall@10")] == 0.0
    # P3's query co-occurs with nothing; co-occurrence still does not reach for h.
    p3 = recommendations[recommendations["playlist_id"] == "P3"]
    assert "h" not in set(p3.loc[p3["method"] == "cooccurrence", "track_id"])


def test_co_occurrence_counts_training_rows_only() -> None:
    tracks, holdout, _ = leak_case()
    index = pd.Index(tracks["track_id"])
    playlists = pd.Index(["P1", "P2", "P3"])
    train = interaction_matrix(training_rows(holdout), playlists, index)
    assert train.sum() == (~holdout["is_held_out"]).sum()
    assert train[:, index.get_loc("h")].sum() == 0
    query = interaction_matrix(
        training_rows(holdout).query("playlist_id == 'P1'"), playlists, index
    )
    scores = cooccurrence_scores(query[:1], train)
    assert scores[0, index.get_loc("h")] == 0.0
    assert scores[0, index.get_loc("x")] > 0.0


def test_extra_held_out_rows_change_no_model(catalog: Catalog) -> None:
    """Every model, choice and re-ranker is built from the training rows: hiding more tracks
    in the evaluated playlists changes what counts as a hit, never what is recommended,
    chosen or learned. Any use of a hidden row would make the two runs differ."""
    tracks, _, playlists, artists = catalog
    tracks = tracks.sort_values("track_id", ignore_index=True)
    matrix, _ = audio_matrix(tracks)
    holdout = holdout_split(playlists, seed=5)
    evaluated = holdout.loc[holdout["is_held_out"], "playlist_id"].unique()
    # Hide more tracks in the evaluated playlists, including the catalog's most common one.
    extra = pd.DataFrame(
        [(playlist, track, True) for playlist in evaluated for track in ("t0399", "t0398")],
        columns=["playlist_id", "track_id", "is_held_out"],
    )
    tampered = pd.concat([holdout, extra]).drop_duplicates(["playlist_id", "track_id"])
    protocol = replace(QUICK, seed=5)
    before = evaluate_recommenders(holdout, tracks, matrix, artists, protocol)
    after = evaluate_recommenders(tampered, tracks, matrix, artists, protocol)
    for name in ("recommendations", "recommender_tuning", "recommender_feature_importance"):
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)
    assert not before["recommender_metrics"].equals(after["recommender_metrics"])


# ----------------------------------------------------------------------------- recommenders


def test_recommendations_never_repeat_the_query(catalog: Catalog) -> None:
    tracks, _, playlists, artists = catalog
    matrix, _ = audio_matrix(tracks)
    holdout = holdout_split(playlists, seed=1)
    train = training_rows(holdout)
    scoring, reranker, _ = fit_hybrid(train, tracks, matrix, artists, replace(QUICK, seed=1))
    recommendations = continue_playlists(
        prepare_catalog(train, tracks, matrix, artists),
        train,
        content_scoring=scoring,
        reranker=reranker,
    )
    assert set(recommendations["method"]) == set(METHODS)
    overlap = recommendations.merge(train, on=["playlist_id", "track_id"])
    assert overlap.empty, overlap.head()
    per_list = recommendations.groupby(["method", "playlist_id"])
    assert (per_list.size() == 10).all()
    assert (per_list["track_id"].nunique() == 10).all()
    assert (per_list["rank"].apply(lambda rank: list(rank) == list(range(1, 11)))).all()


def test_co_occurrence_is_the_sum_of_item_cosines() -> None:
    rng = np.random.default_rng(4)
    dense = (rng.random((12, 9)) < 0.3).astype(float)
    query = (rng.random((3, 9)) < 0.4).astype(float)
    counts = dense.sum(axis=0)
    cosine = (
        dense.T @ dense / np.sqrt(np.outer(counts, counts), where=counts > 0, out=np.ones((9, 9)))
    )
    cosine[:, counts == 0] = cosine[counts == 0, :] = 0.0
    from scipy import sparse

    scores = cooccurrence_scores(sparse.csr_matrix(query), sparse.csr_matrix(dense))
    np.testing.assert_allclose(scores, query @ cosine)


def test_top_k_breaks_ties_by_column_whatever_their_number() -> None:
    scores = np.array(
        [[0.0, 5.0, 0.0, 0.0, 5.0, 0.0, -np.inf, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1, 1, 1]]
    )
    positions, values = top_positions(scores, 4)
    assert positions.tolist() == [[1, 4, 7, 0], [0, 1, 2, 3]]
    assert values[0].tolist() == [5.0, 5.0, 1.0, 0.0]
    short, _ = top_positions(np.array([[2.0, -np.inf, 1.0]]), 3)
    assert short.tolist() == [[0, 2, -1]]


def test_cold_start_relevance_is_held_out_and_never_trained() -> None:
    _, holdout, _ = leak_case()
    assert cold_start_relevant(holdout)["track_id"].unique().tolist() == ["h"]


# ----------------------------------------------------------------------------- metrics


def test_ranking_metrics_match_hand_computed_values() -> None:
    recommended = list("abcdefghij")
    relevant = {"b", "e", "z"}
    assert precision_at_k(recommended, relevant) == pytest.approx(0.2)
    assert recall_at_k(recommended, relevant) == pytest.approx(2 / 3)
    # DCG = 1/log2(3) + 1/log2(6); ideal = 1 + 1/log2(3) + 1/log2(4).
    dcg = 0.6309297535714575 + 0.38685280723454163
    assert ndcg_at_k(recommended, relevant) == pytest.approx(dcg / 2.1309297535714575)
    assert precision_at_k(["z"], {"z"}) == pytest.approx(0.1)  # a short list misses
    assert ndcg_at_k(["z"], {"z"}) == pytest.approx(1.0)
    assert ndcg_at_k(list("abcdefghijk"), set("klmnopqrstuvw")) == 0.0  # rank 11 is out


def test_vectorized_metrics_agree_with_the_definitions() -> None:
    recommendations = pd.DataFrame(
        {
            "method": "m",
            "playlist_id": ["p"] * 10 + ["q"],
            "rank": [*range(1, 11), 1],
            "track_id": [*"abcdefghij", "z"],
        }
    )
    relevant = pd.DataFrame(
        {"playlist_id": ["p", "p", "p", "q", "r"], "track_id": ["b", "e", "z", "z", "y"]}
    )
    table = playlist_metrics(recommendations, relevant).set_index("playlist_id")
    recommended = {"p": list("abcdefghij"), "q": ["z"], "r": []}
    for playlist, items in recommended.items():
        truth = set(relevant.loc[relevant["playlist_id"] == playlist, "track_id"])
        assert table.loc[playlist, "precision@10"] == pytest.approx(precision_at_k(items, truth))
        assert table.loc[playlist, "recall@10"] == pytest.approx(recall_at_k(items, truth))
        assert table.loc[playlist, "ndcg@10"] == pytest.approx(ndcg_at_k(items, truth))
    assert table.loc["r", "recall@10"] == 0.0  # a playlist with no recommendation scores 0


# ----------------------------------------------------------------------------- similarity


def brute_force_neighbours(tracks: pd.DataFrame, matrix: np.ndarray, n: int) -> pd.DataFrame:
    keys = song_keys(tracks)
    ids = tracks["track_id"].to_numpy()
    rows = []
    for i in range(len(tracks)):
        distance = np.linalg.norm(matrix - matrix[i], axis=1)
        allowed = np.flatnonzero(keys != keys[i])
        order = allowed[np.lexsort((ids[allowed], distance[allowed]))][:n]
        rows += [(ids[i], rank, ids[j]) for rank, j in enumerate(order, start=1)]
    return pd.DataFrame(rows, columns=["track_id", "rank", "similar_track_id"])


@pytest.mark.parametrize("margin", [0, 5])
def test_similar_tracks_exclude_self_and_same_song(margin: int) -> None:
    tracks = synthetic_catalog(n_tracks=320)[0]
    # 25 distinct songs with identical sound: ties at distance 0, more than one query holds.
    tracks.loc[200:224, list(AUDIO_COLUMNS)] = tracks.loc[200, list(AUDIO_COLUMNS)].to_numpy()
    matrix, _ = audio_matrix(tracks)
    table = similar_tracks(tracks, matrix, n_neighbours=10, margin=margin, n_jobs=1)
    assert (table["track_id"] != table["similar_track_id"]).all()
    key = dict(zip(tracks["track_id"], song_keys(tracks), strict=True))
    assert (table["track_id"].map(key) != table["similar_track_id"].map(key)).all()
    assert (table.groupby("track_id").size() == 10).all()
    expected = brute_force_neighbours(tracks, matrix, 10)
    pd.testing.assert_frame_equal(table.drop(columns="distance"), expected)


def test_song_keys_normalize_case_and_spaces() -> None:
    frame = pd.DataFrame(
        {"track_name": ["Hey Jude", " hey jude ", "Hey Jude"], "artist_names": ["B", "b", "C"]}
    )
    keys = song_keys(frame)
    assert keys[0] == keys[1] != keys[2]


# ----------------------------------------------------------------------------- clusters


def test_silhouette_finds_the_planted_number_of_clusters() -> None:
    points, _ = make_blobs(n_samples=600, centers=5, n_features=10, cluster_std=0.6, random_state=2)
    scores, labels, _ = scan_k(points, range(2, 9), sample_size=300, seed=0, n_init=4)
    assert scores.loc[scores["is_chosen"], "k"].tolist() == [5]
    sizes = np.bincount(labels)
    assert (np.diff(sizes) <= 0).all()  # cluster 0 is the largest


def test_cluster_names_are_unique() -> None:
    same = [("acousticness", 1.8), ("energy", -1.2), ("valence", 0.4)]
    differs_third = [("acousticness", 1.7), ("energy", -1.0), ("tempo", -0.6)]
    flat = [("energy", 0.1), ("tempo", -0.1), ("valence", 0.05)]
    names = name_clusters([same, same, differs_third, flat])
    assert len(set(names)) == 4
    assert names[3] == "middle-of-the-road"
    assert names[2] == "acoustic, calm, slow"
    assert names[0] == "acoustic, calm, happy" and names[1] == "acoustic, calm, happy (2)"


def test_profiles_describe_every_cluster(built: dict[str, pd.DataFrame]) -> None:
    profiles = built["cluster_profiles"]
    chosen = built["cluster_k_scores"].query("is_chosen")["k"].item()
    assert profiles["cluster"].tolist() == list(range(chosen))
    assert profiles["cluster_name"].is_unique
    assert profiles["track_count"].sum() == len(built["track_clusters"])
    assert profiles["share"].sum() == pytest.approx(1.0)
    assert (profiles["distinguishing_features"].map(len) == 3).all()
    assert profiles["top_genres"].map(lambda genres: 1 <= len(genres) <= 3).all()
    assert profiles["track_count"].is_monotonic_decreasing


# ----------------------------------------------------------------------------- the run


def test_run_is_deterministic_and_ignores_row_order(
    catalog: Catalog, built: dict[str, pd.DataFrame]
) -> None:
    tracks, genres, playlists, artists = catalog
    again = build_discovery(
        tracks.sample(frac=1.0, random_state=3),
        genres.sample(frac=1.0, random_state=4),
        playlists.sample(frac=1.0, random_state=5),
        artists.sample(frac=1.0, random_state=6),
        SMALL,
    )
    assert again.keys() == built.keys()
    for name, table in built.items():
        pd.testing.assert_frame_equal(again[name], table, obj=name)


def catalog_playlists(built: dict[str, pd.DataFrame]) -> set[str]:
    return set(built["recommender_holdout"]["playlist_id"])


def test_run_tables_have_their_grain(built: dict[str, pd.DataFrame]) -> None:
    assert built["track_clusters"]["track_id"].is_unique
    assert len(built["track_embedding_2d"]) == len(built["track_clusters"])
    assert not built["similar_tracks"].duplicated(["track_id", "rank"]).any()
    metrics = built["recommender_metrics"]
    assert set(metrics["method"]) == set(METHODS)
    assert set(metrics["segment"]) == set(SEGMENTS)
    assert len(metrics) == len(METHODS) * 3 * len(SEGMENTS)
    assert metrics["value"].between(0, 1).all()
    assert (metrics["lower_95"] <= metrics["value"]).all()
    assert (metrics["value"] <= metrics["upper_95"]).all()
    tuning = built["recommender_tuning"]
    assert tuning.query("is_chosen")["method"].value_counts().to_dict() == {
        "content": 3,
        "hybrid": 3,
    }
    served = built["playlist_recommendations"]
    assert not served.duplicated(["playlist_id", "rank"]).any()
    assert set(served["playlist_id"]) <= set(catalog_playlists(built))


def test_bad_input_is_named(catalog: Catalog) -> None:
    tracks, genres, playlists, artists = catalog
    with pytest.raises(KeyError, match="tracks: missing column"):
        build_discovery(tracks.drop(columns="energy"), genres, playlists, artists, SMALL)
    with pytest.raises(KeyError, match=r"tracks: missing column.*album_key"):
        build_discovery(tracks.drop(columns="album_key"), genres, playlists, artists, SMALL)
    with pytest.raises(KeyError, match="track_artists: missing column"):
        build_discovery(tracks, genres, playlists, artists.drop(columns="artist_id"), SMALL)
    with pytest.raises(ValueError, match="playlists: 1 rows name tracks missing"):
        unknown = pd.DataFrame({"playlist_id": ["p"], "track_id": ["nope"]})
        build_discovery(tracks, genres, pd.concat([playlists, unknown]), artists, SMALL)


def test_written_tables_keep_their_list_columns(
    built: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    tables = dict(built)
    tables["cluster_profiles"] = built["cluster_profiles"].assign(
        top_playlist_genres=[[] for _ in range(len(built["cluster_profiles"]))]
    )
    folder = tmp_path / "discovery"
    folder.mkdir()
    artifacts.write_parquet(tables, folder, _select_with_types)
    assert sorted(path.stem for path in folder.glob("*.parquet")) == sorted(tables)
    with duckdb.connect() as connection:
        path = str(folder / "cluster_profiles.parquet")
        described = connection.execute("describe select * from read_parquet(?)", [path])
        types = {row[0]: row[1] for row in described.fetchall()}
        back = connection.execute("select * from read_parquet(?)", [path]).df()
    for column in ("distinguishing_features", "top_genres", "top_playlist_genres"):
        assert types[column] == "VARCHAR[]"
        assert [list(value) for value in back[column]] == list(tables["cluster_profiles"][column])
