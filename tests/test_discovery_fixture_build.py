"""Discovery end to end on the fixture build: every ml discovery table exists and holds
together, mood playlists are queryable, and the `recommend` CLI answers (or refuses) like a
user expects. The algorithms themselves are unit-tested in tests/test_discovery_unit.py."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import duckdb
import pytest

from models_ml.discovery.recommenders import METHODS
from tests.support import DbtResult, run_module, scalar

DISCOVERY_TABLES = (
    "track_clusters",
    "cluster_profiles",
    "cluster_k_scores",
    "track_embedding_2d",
    "embedding_components",
    "similar_tracks",
    "recommender_holdout",
    "recommender_metrics",
    "recommender_tuning",
    "playlist_recommendations",
)


@pytest.mark.dbt_fixture
@pytest.mark.parametrize("table", DISCOVERY_TABLES)
def test_discovery_table_is_built_for_this_run(
    table: str, fixture_db: duckdb.DuckDBPyConnection
) -> None:
    assert scalar(fixture_db, f"select count(*) from ml.{table}") > 0
    run_ids = fixture_db.execute(f"select distinct run_id from ml.{table}").fetchall()
    assert (
        run_ids
        == fixture_db.execute("select run_id from intermediate.int_discovery_built").fetchall()
    )


@pytest.mark.dbt_fixture
def test_every_track_has_a_cluster_and_a_place_on_the_map(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    tracks = scalar(fixture_db, "select count(*) from marts.dim_tracks")
    assert scalar(fixture_db, "select count(*) from ml.track_clusters") == tracks
    assert scalar(fixture_db, "select count(*) from ml.track_embedding_2d") == tracks
    sizes = fixture_db.execute(
        "select profiles.track_count, count(clusters.track_id) from ml.cluster_profiles as "
        "profiles left join ml.track_clusters as clusters using (cluster) group by all"
    ).fetchall()
    assert all(declared == counted for declared, counted in sizes)
    chosen = fixture_db.execute("select k from ml.cluster_k_scores where is_chosen").fetchall()
    assert chosen == [(len(sizes),)]
    assert chosen[0][0] == scalar(
        fixture_db,
        "select k from ml.cluster_k_scores order by silhouette desc, k limit 1",
    )


@pytest.mark.dbt_fixture
def test_similar_tracks_are_ten_other_songs(fixture_db: duckdb.DuckDBPyConnection) -> None:
    per_track = fixture_db.execute(
        "select count(*), min(rank), max(rank) from ml.similar_tracks group by track_id"
    ).fetchall()
    assert len(per_track) == scalar(fixture_db, "select count(*) from marts.dim_tracks")
    assert set(per_track) == {(10, 1, 10)}
    same_song = scalar(
        fixture_db,
        "select count(*) from ml.similar_tracks as neighbours "
        "inner join marts.dim_tracks as query on query.track_id = neighbours.track_id "
        "inner join marts.dim_tracks as found on found.track_id = neighbours.similar_track_id "
        "where neighbours.track_id = neighbours.similar_track_id "
        "or (lower(trim(query.track_name)) = lower(trim(found.track_name)) "
        "and lower(trim(query.artist_names)) = lower(trim(found.artist_names)))",
    )
    assert same_song == 0
    unordered = scalar(
        fixture_db,
        "select count(*) from (select distance, lag(distance) over "
        "(partition by track_id order by rank) as previous from ml.similar_tracks) "
        "where distance < previous",
    )
    assert unordered == 0


@pytest.mark.dbt_fixture
def test_holdout_is_a_fifth_of_each_evaluated_playlist(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    outside = scalar(
        fixture_db,
        "select count(*) from ml.recommender_holdout as holdout anti join "
        "marts.bridge_playlist_tracks as bridge using (playlist_id, track_id)",
    )
    assert outside == 0
    shares = fixture_db.execute(
        "select count(*), sum(case when is_held_out then 1 else 0 end) "
        "from ml.recommender_holdout group by playlist_id"
    ).fetchall()
    assert shares
    for size, held in shares:
        # round half up, at least one; playlists under 5 tracks hide nothing (they only train)
        expected = max(1, math.floor(0.2 * size + 0.5)) if size >= 5 else 0
        assert held == expected, (size, held)
    assert any(held for _, held in shares)


@pytest.mark.dbt_fixture
def test_reranker_importance_is_empty_only_when_it_fell_back(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    """The fixture evaluates one playlist, so its validation split holds nothing to learn
    from and the re-ranker falls back to its fixed order; the real data learns."""
    settings = fixture_db.execute(
        "select setting from ml.recommender_tuning where method = 'hybrid' and is_chosen"
    ).fetchall()
    fell_back = {row[0] for row in settings} == {"fallback (nothing to learn)"}
    importance = scalar(fixture_db, "select count(*) from ml.recommender_feature_importance")
    assert (importance == 0) == fell_back


@pytest.mark.dbt_fixture
def test_recommender_metrics_cover_every_method_and_segment(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    grid = fixture_db.execute(
        "select segment, method, metric from ml.recommender_metrics order by all"
    ).fetchall()
    assert grid == sorted(
        (segment, method, metric)
        for segment in ("all", "cold_start_tracks", "new_artists")
        for method in METHODS
        for metric in ("ndcg@10", "precision@10", "recall@10")
    )


# --- the recommend CLI ----------------------------------------------------------------------


def recommend(warehouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_module("models_ml", "recommend", *args, "--warehouse", str(warehouse))


@pytest.mark.dbt_fixture
def test_recommend_like_lists_ten_other_tracks(
    fixture_build: tuple[Path, DbtResult], fixture_db: duckdb.DuckDBPyConnection
) -> None:
    track_id = scalar(fixture_db, "select min(track_id) from marts.dim_tracks")
    result = recommend(fixture_build[0], "--like", str(track_id), "--format", "csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "rank,track_id,track_name,artist_names,popularity,distance"
    found = [line.split(",")[1] for line in lines[1:]]
    expected = fixture_db.execute(
        "select similar_track_id from ml.similar_tracks where track_id = ? order by rank",
        [track_id],
    ).fetchall()
    assert found == [row[0] for row in expected] and track_id not in found


@pytest.mark.dbt_fixture
def test_recommend_playlist_lists_new_tracks_with_reasons(
    fixture_build: tuple[Path, DbtResult], fixture_db: duckdb.DuckDBPyConnection
) -> None:
    playlist_id = scalar(
        fixture_db,
        "select playlist_id from marts.dim_playlists "
        "order by track_count desc, playlist_id limit 1",
    )
    result = recommend(fixture_build[0], "--playlist", str(playlist_id), "--format", "csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "rank,track_id,track_name,artist_names,popularity,reason"
    found = [line.split(",")[1] for line in lines[1:]]
    expected = fixture_db.execute(
        "select track_id from ml.playlist_recommendations where playlist_id = ? order by rank",
        [playlist_id],
    ).fetchall()
    assert found == [row[0] for row in expected] and len(found) == 10
    members = fixture_db.execute(
        "select track_id from marts.bridge_playlist_tracks where playlist_id = ?", [playlist_id]
    ).fetchall()
    assert not {row[0] for row in members} & set(found)
    table = recommend(fixture_build[0], "--playlist", str(playlist_id), "--size", "3")
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("Tracks for ")
    assert len(table.stdout.strip().splitlines()) == 1 + 1 + 3  # heading, header, 3 tracks


@pytest.mark.dbt_fixture
def test_recommend_refuses_an_unknown_playlist(fixture_build: tuple[Path, DbtResult]) -> None:
    result = recommend(fixture_build[0], "--playlist", "nope")
    assert result.returncode == 2
    assert "unknown playlist id 'nope': it is not in marts.dim_playlists" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.dbt_fixture
def test_recommend_refuses_an_unknown_track_id(fixture_build: tuple[Path, DbtResult]) -> None:
    result = recommend(fixture_build[0], "--like", "0000000000000000000000")
    assert result.returncode == 2
    assert "unknown track id '0000000000000000000000'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.dbt_fixture
def test_recommend_mood_and_unknown_mood(fixture_build: tuple[Path, DbtResult]) -> None:
    result = recommend(fixture_build[0], "--mood", "Workout", "--size", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("workout: ")
    assert len(result.stdout.strip().splitlines()) == 1 + 1 + 3  # heading, header, 3 tracks
    unknown = recommend(fixture_build[0], "--mood", "gloomy")
    assert unknown.returncode == 2
    assert "unknown mood 'gloomy'; the moods are: acoustic, chill, energetic" in unknown.stderr


@pytest.mark.unit
def test_recommend_without_a_warehouse_says_what_to_run(tmp_path: Path) -> None:
    result = recommend(tmp_path / "none.duckdb", "--mood", "chill")
    assert result.returncode == 2
    assert "warehouse not found" in result.stderr and "make build" in result.stderr
