"""The full build on the real raw files shipped in data/raw: the acceptance numbers of the
warehouse foundation, checked against the raw files read independently of dbt."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from tests.support import REAL_RAW, ROOT, DbtResult, run_dbt, scalar

pytestmark = pytest.mark.real_data


def raw_scan(name: str) -> str:
    """SQL reading one shipped raw file as text, straight from disk, bypassing dbt."""
    return f"read_csv('{(REAL_RAW / name).as_posix()}', all_varchar = true)"


RAW_SHA256 = {
    "dataset.csv.gz": "b202fa49909b2d5cef71a04b1d21243cfeb36414535f2ca9272aa646721177bd",
    "spotify_songs.csv.gz": "9902920cfe4940f0914ebb6716801a42f7f19ac88fbd6693eaae7e2822b16845",
}


@pytest.mark.parametrize("name", sorted(RAW_SHA256))
def test_raw_files_are_the_published_originals(name: str) -> None:
    digest = hashlib.sha256()
    with gzip.open(REAL_RAW / name, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    assert digest.hexdigest() == RAW_SHA256[name]


def test_every_raw_row_is_accounted_for(real_db: duckdb.DuckDBPyConnection) -> None:
    rows = real_db.execute(
        "select source_name, raw_rows, accepted_rows + quarantined_rows, unaccounted_rows, "
        "double_counted_rows from quality.source_reconciliation order by source_name"
    ).fetchall()
    assert rows == [
        # The example file shipped in data/incoming: 8 rows.
        ("incoming.new_tracks", 8, 8, 0, 0),
        ("spotify.tracks", 114_000, 114_000, 0, 0),
        ("tidytuesday.playlist_tracks", 32_833, 32_833, 0, 0),
    ]


def test_row_numbers_are_file_positions(real_db: duckdb.DuckDBPyConnection) -> None:
    """The tracks file carries its own pandas index (0-based): row numbers must agree."""
    mismatched = scalar(
        real_db,
        "select count(*) from staging.stg_spotify__tracks where source_row_number "
        "<> cast(json_extract_string(raw_values, '$.column00') as bigint) + 1",
    )
    assert mismatched == 0


def test_dim_tracks_holds_every_valid_id_once(real_db: duckdb.DuckDBPyConnection) -> None:
    raw_rows = f"""
        select 'spotify.tracks' as source_name, row_number() over () as source_row_number, track_id
        from {raw_scan("dataset.csv.gz")}
        union all
        select 'tidytuesday.playlist_tracks', row_number() over (), track_id
        from {raw_scan("spotify_songs.csv.gz")}
    """
    assert scalar(real_db, f"select count(distinct track_id) from ({raw_rows})") == 116_133
    ids_with_an_accepted_row = scalar(
        real_db,
        f"""
        select count(distinct raw.track_id)
        from ({raw_rows}) as raw
        anti join quality.quarantined_rows as q
            on raw.source_name = q.source_name and raw.source_row_number = q.source_row_number
        """,
    )
    assert scalar(real_db, "select count(*) from marts.dim_tracks") == ids_with_an_accepted_row
    assert (
        scalar(real_db, "select count(distinct track_id) from marts.dim_tracks")
        == ids_with_an_accepted_row
    )
    # Measured on the shipped files: 5 ids (1 + 4) appear only in quarantined rows.
    assert ids_with_an_accepted_row == 116_128


def test_genre_taxonomies(real_db: duckdb.DuckDBPyConnection) -> None:
    genres = dict(
        real_db.execute(
            "select taxonomy, count(distinct genre) from marts.bridge_track_genres "
            "group by taxonomy"
        ).fetchall()
    )
    assert genres == {"track_genre": 114, "playlist_genre": 6, "playlist_subgenre": 24}
    without_genre = scalar(
        real_db,
        "select count(*) from marts.dim_tracks as t where not exists "
        "(select 1 from marts.bridge_track_genres as g where g.track_id = t.track_id)",
    )
    assert without_genre == 0


def test_release_years_cover_1957_to_2020(real_db: duckdb.DuckDBPyConnection) -> None:
    span = real_db.execute(
        "select min(release_year), max(release_year) from marts.mart_release_year_trends"
    ).fetchall()
    assert span == [(1957, 2020)]


def test_known_quirks_are_handled(real_db: duckdb.DuckDBPyConnection) -> None:
    # Tracks whose tempo comes from a row with tempo 0 (the tracks file wins where both have
    # the id), computed from the raw files: every one must be flagged, none may keep a 0.
    zero_tempo_ids = scalar(
        real_db,
        f"""
        with tracks as (select track_id, try_cast(tempo as double) as tempo
                        from {raw_scan("dataset.csv.gz")}),
             playlists as (select track_id, try_cast(tempo as double) as tempo
                           from {raw_scan("spotify_songs.csv.gz")})
        select count(*) from (
            select distinct track_id from tracks where tempo = 0
            union
            select distinct track_id from playlists where tempo = 0
                and track_id not in (select track_id from tracks)
        )
        """,
    )
    flagged = scalar(
        real_db, "select count(*) from marts.fct_track_features where is_tempo_undetected"
    )
    assert flagged == zero_tempo_ids > 100
    leftover = scalar(
        real_db,
        "select count(*) from marts.fct_track_features where tempo = 0 or time_signature in (0, 1)",
    )
    assert leftover == 0
    quarantined = dict(
        real_db.execute(
            "select source_name, count(*) from quality.quarantined_rows group by 1"
        ).fetchall()
    )
    # The one empty-name row of the tracks file, the five 'NA' rows of the playlist file, and
    # the example new track rejected on purpose (danceability 1.7).
    assert quarantined == {
        "spotify.tracks": 1,
        "tidytuesday.playlist_tracks": 5,
        "incoming.new_tracks": 1,
    }


def test_every_mart_has_an_enforced_contract_and_documentation(
    real_build: tuple[Path, Path, DbtResult],
) -> None:
    manifest = json.loads((real_build[1] / "target" / "manifest.json").read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "spotify_warehouse"
    ]
    assert models
    for node in models:
        assert node["description"].strip(), f"{node['name']}: no description"
        columns = node["columns"]
        assert columns, f"{node['name']}: no documented columns"
        for column in columns.values():
            assert column["description"].strip(), f"{node['name']}.{column['name']}: no description"
    marts = [node for node in models if node["schema"] == "marts"]
    assert len(marts) == 15
    for node in marts:
        assert node["config"]["contract"]["enforced"], node["name"]
        assert node["config"]["materialized"] == "table", node["name"]
        assert all(column["data_type"] for column in node["columns"].values()), node["name"]


def test_documented_columns_match_built_columns(
    real_build: tuple[Path, Path, DbtResult], real_db: duckdb.DuckDBPyConnection
) -> None:
    manifest = json.loads((real_build[1] / "target" / "manifest.json").read_text())
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert models
    for node in models:
        built = [
            name
            for (name,) in real_db.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [node["schema"], node["name"]],
            ).fetchall()
        ]
        assert built == list(node["columns"]), node["name"]


def test_docs_generate(real_build: tuple[Path, Path, DbtResult], tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(real_build[0].read_bytes())
    result = run_dbt(["docs", "generate"], tmp_path, warehouse)
    assert result.ok, result.output[-3000:]
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    assert "model.spotify_warehouse.dim_tracks" in catalog["nodes"]
    assert (tmp_path / "target" / "index.html").exists()


def test_profiles_and_project_sit_at_the_repo_root() -> None:
    assert (ROOT / "profiles.yml").exists()
    assert (ROOT / "dbt_project.yml").exists()


# --- ML layer ----------------------------------------------------------------------------

PRIMARY_METRICS = {
    "track_genre": ("accuracy", "macro_f1", "top_5_accuracy", "roc_auc_ovr_macro"),
    "playlist_genre": ("accuracy", "macro_f1", "top_5_accuracy", "roc_auc_ovr_macro"),
    "popularity": ("r2", "mae", "rmse"),
}


def test_every_ml_table_is_filled(real_db: duckdb.DuckDBPyConnection) -> None:
    counts = {
        table: scalar(real_db, f"select count(*) from ml.{table}")
        for (table,) in real_db.execute(
            "select table_name from information_schema.tables where table_schema = 'ml'"
        ).fetchall()
    }
    assert len(counts) == 22 and all(counts.values()), counts
    # Every labelled track once per task, scenario and model: 3 models in the catalog (4 for
    # genres: the audio-only one), 4 in cold start and in new track (the browser model too).
    assert counts["genre_predictions"] == (89_740 + 28_352) * (4 + 4 + 4)
    assert counts["popularity_predictions"] == 116_128 * (3 + 4 + 4)
    assert counts["browser_models"] == 3
    # The example file's seven valid rows.
    assert counts["new_track_predictions"] == 7


def test_best_model_beats_the_reference_on_every_primary_metric(
    real_db: duckdb.DuckDBPyConnection,
) -> None:
    means = {
        (task, scenario, model, metric): value
        for task, scenario, model, metric, value in real_db.execute(
            "select task, scenario, model, metric, value from ml.model_metrics "
            "where statistic = 'mean'"
        ).fetchall()
    }
    for task, metrics in PRIMARY_METRICS.items():
        for scenario in ("catalog", "cold_start", "new_track"):
            for metric in metrics:
                best = means[(task, scenario, "best", metric)]
                reference = means[(task, scenario, "reference_rf", metric)]
                baseline = means[(task, scenario, "baseline", metric)]
                key = (task, scenario, metric)
                if metric in ("mae", "rmse"):
                    assert best < reference < baseline, key
                elif metric == "roc_auc_ovr_macro":
                    assert best > reference > baseline == pytest.approx(0.5), key
                else:
                    assert best > reference > baseline, key


def test_popularity_meets_the_issue_targets(real_db: duckdb.DuckDBPyConnection) -> None:
    """Issue 16's popularity targets (mean R² of 5 folds): catalog (song-grouped) >= 0.72,
    cold start >= 0.45. The new-track target (2x the reference RF) is not reached: the best
    model must still beat the reference there (test above)."""
    r2 = dict(
        real_db.execute(
            "select scenario, value from ml.model_metrics where task = 'popularity' "
            "and model = 'best' and metric = 'r2' and statistic = 'mean'"
        ).fetchall()
    )
    assert r2["catalog"] >= 0.72 and r2["cold_start"] >= 0.45, r2


def test_catalog_and_cold_start_folds_are_grouped(real_db: duckdb.DuckDBPyConnection) -> None:
    split_artists = scalar(
        real_db,
        "select count(*) from (select p.scenario, d.primary_artist_id "
        "from ml.popularity_predictions p join marts.dim_tracks d using (track_id) "
        "where p.scenario in ('cold_start', 'new_track') "
        "group by all having count(distinct p.fold) > 1)",
    )
    # No song straddles the catalog folds, though 10,001 songs have several versions.
    split_songs, songs_with_versions = real_db.execute(
        "select count(*) filter (where folds > 1), count(*) filter (where versions > 1) "
        "from (select d.song_key, count(distinct p.fold) as folds, "
        "count(distinct p.track_id) as versions from ml.popularity_predictions p "
        "join marts.dim_tracks d using (track_id) where p.scenario = 'catalog' group by 1)"
    ).fetchone()
    assert split_songs == 0 and songs_with_versions > 10_000
    # In the catalog scenario an artist does span folds: that is what makes it "catalog".
    spanning = scalar(
        real_db,
        "select count(*) from (select d.primary_artist_id from ml.popularity_predictions p "
        "join marts.dim_tracks d using (track_id) where p.scenario = 'catalog' "
        "group by 1 having count(distinct p.fold) > 1)",
    )
    assert split_artists == 0 and spanning > 1000


def test_discovery_tables_on_the_full_catalog(real_db: duckdb.DuckDBPyConnection) -> None:
    """Every track clustered, mapped and given 10 similar tracks; the cluster count is the
    silhouette's choice; every playlist of 5 tracks or more is evaluated."""
    assert scalar(real_db, "select count(*) from ml.track_clusters") == 116_128
    assert scalar(real_db, "select count(*) from ml.track_embedding_2d") == 116_128
    assert scalar(real_db, "select count(*) from ml.similar_tracks") == 116_128 * 10
    assert scalar(real_db, "select count(*) from ml.cluster_k_scores where is_chosen") == 1
    assert scalar(
        real_db, "select k from ml.cluster_k_scores order by silhouette desc, k limit 1"
    ) == scalar(real_db, "select count(*) from ml.cluster_profiles")
    assert scalar(real_db, "select count(*) from marts.bridge_playlist_tracks") == 32_246
    assert scalar(real_db, "select count(distinct mood) from marts.mart_mood_playlists") == 8


def test_hybrid_recommender_meets_the_targets_with_room_to_spare(
    real_db: duckdb.DuckDBPyConnection,
) -> None:
    """Issue 14's targets on the same hold-out for all seven methods: the hybrid beats every
    single signal on precision, recall and NDCG (precision@10 >= 0.12, NDCG@10 >= 0.15),
    with a 95% interval clear of co-occurrence's and content's, and finds cold-start
    tracks (precision@10 >= 0.05) that co-occurrence cannot."""
    rows = real_db.execute(
        "select segment, method, metric, value, lower_95, upper_95, playlist_count "
        "from ml.recommender_metrics"
    ).fetchall()
    value = {(segment, method, metric): v for segment, method, metric, v, *_ in rows}
    bounds = {(segment, method, metric): (lo, hi) for segment, method, metric, _, lo, hi, _ in rows}
    assert len({count for segment, *_, count in rows if segment == "all"}) == 1
    assert value[("all", "hybrid", "precision@10")] >= 0.12
    assert value[("all", "hybrid", "ndcg@10")] >= 0.15
    assert value[("cold_start_tracks", "hybrid", "precision@10")] >= 0.05
    for metric in ("precision@10", "recall@10", "ndcg@10"):
        hybrid = value[("all", "hybrid", metric)]
        for single in ("random", "most_popular", "content", "cooccurrence", "artist", "album"):
            assert hybrid > value[("all", single, metric)], (single, metric)
        for rival in ("cooccurrence", "content"):
            assert bounds[("all", "hybrid", metric)][0] > bounds[("all", rival, metric)][1]
        assert value[("cold_start_tracks", "cooccurrence", metric)] == 0, metric
