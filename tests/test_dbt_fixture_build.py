"""End to end: `dbt build` on the committed fixture, checked against exact expectations.

The fixture (tests/fixtures/raw, made by make_fixture.py) holds real rows plus broken rows
spliced in at known positions. The expected quarantine below is written by hand from what
was broken; the expected mart contents are recomputed here with pandas straight from the
CSVs, independently of the SQL, and the exact mart row counts pin the whole build.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.support import FIXTURE_RAW, RAW_SOURCES_FILTER, ROOT, DbtResult, scalar

pytestmark = pytest.mark.dbt_fixture

# (source, data row number) -> reasons, in the order the rules report them.
EXPECTED_QUARANTINE: dict[tuple[str, int], list[str]] = {
    ("spotify.tracks", 15): ["missing_value:track_id"],
    ("spotify.tracks", 30): ["malformed_id:track_id"],
    ("spotify.tracks", 45): ["unparseable_number:popularity"],
    ("spotify.tracks", 60): ["out_of_range:energy", "out_of_range:valence"],
    ("spotify.tracks", 75): ["out_of_range:popularity"],
    ("spotify.tracks", 90): ["non_positive_duration:duration_ms"],
    ("spotify.tracks", 105): ["unparseable_boolean:is_explicit"],
    ("spotify.tracks", 120): ["missing_name:track_name"],
    # The real row with empty names (pandas index 65900 of dataset.csv).
    ("spotify.tracks", 122): [
        "non_positive_duration:duration_ms",
        "missing_name:track_name",
        "missing_name:album_name",
        "missing_name:artist_names",
    ],
    ("spotify.tracks", 135): ["missing_value:danceability"],
    ("spotify.tracks", 150): ["out_of_range:key", "out_of_range:mode"],
    ("spotify.tracks", 165): ["missing_value:track_genre"],
    ("spotify.tracks", 180): ["unparseable_number:tempo", "out_of_range:time_signature"],
    ("tidytuesday.playlist_tracks", 13): ["unparseable_date:release_date"],
    ("tidytuesday.playlist_tracks", 26): ["unparseable_date:release_date"],
    ("tidytuesday.playlist_tracks", 39): ["out_of_range:popularity"],
    ("tidytuesday.playlist_tracks", 52): ["out_of_range:liveness"],
    # Two real rows whose names R wrote as 'NA'.
    ("tidytuesday.playlist_tracks", 56): [
        "missing_name:track_name",
        "missing_name:album_name",
        "missing_name:artist_name",
    ],
    ("tidytuesday.playlist_tracks", 62): [
        "missing_name:track_name",
        "missing_name:album_name",
        "missing_name:artist_name",
    ],
    ("tidytuesday.playlist_tracks", 65): ["missing_value:playlist_genre"],
    ("tidytuesday.playlist_tracks", 78): ["malformed_id:track_id"],
    ("tidytuesday.playlist_tracks", 91): ["non_positive_duration:duration_ms"],
}

EXPECTED_MART_ROWS = {
    "bridge_track_artists": 352,
    "bridge_track_genres": 537,
    "dim_artists": 270,
    "dim_tracks": 293,
    "fct_track_features": 293,
    "mart_feature_correlations": 121,
    "mart_feature_distributions": 220,
    "mart_genre_popularity": 66,
    "mart_genre_year_trends": 83,
    "mart_release_year_trends": 37,
    "mart_feature_trends": 13,
    "mart_genre_top_tracks": 365,
    "bridge_playlist_tracks": 184,
    "dim_playlists": 157,
    "mart_mood_playlists": 208,
}

FEATURES = ["danceability", "energy", "loudness", "valence", "tempo", "duration_ms"]


def read_fixture(name: str) -> pd.DataFrame:
    frame = pd.read_csv(FIXTURE_RAW / name, dtype=str, keep_default_na=False)
    frame.insert(0, "source_row_number", np.arange(1, len(frame) + 1))
    return frame


@pytest.fixture(scope="module")
def raw_tracks() -> pd.DataFrame:
    return read_fixture("dataset.csv")


@pytest.fixture(scope="module")
def raw_playlists() -> pd.DataFrame:
    return read_fixture("spotify_songs.csv")


def accepted(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    rejected = {row for (src, row) in EXPECTED_QUARANTINE if src == source}
    return frame[~frame["source_row_number"].isin(rejected)]


@pytest.fixture(scope="module")
def expected_tracks(raw_tracks: pd.DataFrame, raw_playlists: pd.DataFrame) -> pd.DataFrame:
    """One row per track id, recomputed from the CSVs with the documented rules."""
    tracks = accepted(raw_tracks, "spotify.tracks").assign(
        popularity=lambda f: f["popularity"].astype(int)
    )
    playlists = accepted(raw_playlists, "tidytuesday.playlist_tracks").assign(
        popularity=lambda f: f["track_popularity"].astype(int)
    )
    from_tracks = (
        tracks.sort_values(["popularity", "source_row_number"], ascending=[False, True])
        .drop_duplicates("track_id")
        .set_index("track_id")
    )
    from_playlists = (
        playlists.sort_values(["popularity", "source_row_number"], ascending=[False, True])
        .drop_duplicates("track_id")
        .set_index("track_id")
    )
    only_playlists = from_playlists.loc[~from_playlists.index.isin(from_tracks.index)]
    merged = pd.concat(
        [from_tracks[["popularity", *FEATURES]], only_playlists[["popularity", *FEATURES]]]
    )
    for feature in FEATURES:
        merged[feature] = merged[feature].astype(float)
    merged["tempo"] = merged["tempo"].replace(0.0, np.nan)
    release = from_playlists["track_album_release_date"].replace("", np.nan).dropna()
    merged["release_year"] = release.str[:4].astype(int).reindex(merged.index)
    return merged


def test_quarantine_holds_exactly_the_broken_rows(fixture_db: duckdb.DuckDBPyConnection) -> None:
    rows = fixture_db.execute(
        "select source_name, source_row_number, rejection_reasons, reason_count "
        f"from quality.quarantined_rows where {RAW_SOURCES_FILTER}"
    ).fetchall()
    found = {(source, row): reasons.split(";") for source, row, reasons, _ in rows}
    assert found == EXPECTED_QUARANTINE
    assert all(count == len(reasons.split(";")) for _, _, reasons, count in rows)


def test_quarantine_keeps_raw_values_of_the_right_row(
    fixture_db: duckdb.DuckDBPyConnection, raw_tracks: pd.DataFrame, raw_playlists: pd.DataFrame
) -> None:
    rows = fixture_db.execute(
        "select source_name, source_row_number, raw_values from quality.quarantined_rows "
        f"where {RAW_SOURCES_FILTER}"
    ).fetchall()
    assert len(rows) == len(EXPECTED_QUARANTINE)
    for source, row_number, raw_values in rows:
        raw = raw_tracks if source == "spotify.tracks" else raw_playlists
        expected = raw.loc[raw["source_row_number"] == row_number].iloc[0]
        values = json.loads(raw_values)
        for column in ("track_id", "track_name", "duration_ms"):
            assert (values[column] or "") == expected[column], (source, row_number, column)


def test_quarantine_reasons_are_documented_rules(fixture_db: duckdb.DuckDBPyConnection) -> None:
    counts = dict(
        fixture_db.execute(
            "select rule_code, count(*) from quality.quarantine_reasons "
            f"where {RAW_SOURCES_FILTER} group by rule_code"
        ).fetchall()
    )
    expected = Counter(
        reason.split(":")[0] for reasons in EXPECTED_QUARANTINE.values() for reason in reasons
    )
    assert counts == dict(expected)
    undocumented = scalar(
        fixture_db, "select count(*) from quality.quarantine_reasons where rule_description is null"
    )
    assert undocumented == 0


def test_every_raw_row_is_accounted_for(
    fixture_db: duckdb.DuckDBPyConnection, raw_tracks: pd.DataFrame, raw_playlists: pd.DataFrame
) -> None:
    rows = fixture_db.execute(
        "select source_name, raw_rows, accepted_rows, quarantined_rows, unaccounted_rows "
        f"from quality.source_reconciliation where {RAW_SOURCES_FILTER} order by source_name"
    ).fetchall()
    tracks_rejected = sum(1 for source, _ in EXPECTED_QUARANTINE if source == "spotify.tracks")
    playlists_rejected = len(EXPECTED_QUARANTINE) - tracks_rejected
    assert rows == [
        ("spotify.tracks", len(raw_tracks), len(raw_tracks) - tracks_rejected, tracks_rejected, 0),
        (
            "tidytuesday.playlist_tracks",
            len(raw_playlists),
            len(raw_playlists) - playlists_rejected,
            playlists_rejected,
            0,
        ),
    ]


def test_mart_row_counts(fixture_db: duckdb.DuckDBPyConnection) -> None:
    counts = {
        table: scalar(fixture_db, f"select count(*) from marts.{table}")
        for table in EXPECTED_MART_ROWS
    }
    assert counts == EXPECTED_MART_ROWS


def test_dim_tracks_has_every_accepted_track_once(
    fixture_db: duckdb.DuckDBPyConnection, expected_tracks: pd.DataFrame
) -> None:
    ids = {row[0] for row in fixture_db.execute("select track_id from marts.dim_tracks").fetchall()}
    assert ids == set(expected_tracks.index)
    assert len(ids) == EXPECTED_MART_ROWS["dim_tracks"]


def test_popularity_and_features_follow_the_dedup_rule(
    fixture_db: duckdb.DuckDBPyConnection, expected_tracks: pd.DataFrame
) -> None:
    built = (
        fixture_db.execute(
            "select track_id, popularity, danceability, energy, loudness, valence, tempo, "
            "duration_sec, release_year from marts.fct_track_features"
        )
        .df()
        .set_index("track_id")
        .sort_index()
    )
    expected = expected_tracks.sort_index()
    assert (built["popularity"].to_numpy() == expected["popularity"].to_numpy()).all()
    for feature in ("danceability", "energy", "loudness", "valence", "tempo"):
        np.testing.assert_allclose(built[feature], expected[feature], equal_nan=True)
    np.testing.assert_allclose(built["duration_sec"], expected["duration_ms"] / 1000)
    np.testing.assert_array_equal(
        built["release_year"].astype("Int64").to_numpy(),
        expected["release_year"].astype("Int64").to_numpy(),
    )


def test_genre_bridge_matches_accepted_labels(
    fixture_db: duckdb.DuckDBPyConnection, raw_tracks: pd.DataFrame, raw_playlists: pd.DataFrame
) -> None:
    tracks = accepted(raw_tracks, "spotify.tracks")
    playlists = accepted(raw_playlists, "tidytuesday.playlist_tracks")
    expected = (
        {
            (t, "track_genre", g)
            for t, g in zip(tracks["track_id"], tracks["track_genre"], strict=True)
        }
        | {
            (t, "playlist_genre", g)
            for t, g in zip(playlists["track_id"], playlists["playlist_genre"], strict=True)
        }
        | {
            (t, "playlist_subgenre", g)
            for t, g in zip(playlists["track_id"], playlists["playlist_subgenre"], strict=True)
        }
    )
    built = set(
        fixture_db.execute(
            "select track_id, taxonomy, genre from marts.bridge_track_genres"
        ).fetchall()
    )
    assert built == expected


def test_genre_popularity_matches_pandas(
    fixture_db: duckdb.DuckDBPyConnection,
    raw_tracks: pd.DataFrame,
    expected_tracks: pd.DataFrame,
) -> None:
    tracks = accepted(raw_tracks, "spotify.tracks")[["track_id", "track_genre"]].drop_duplicates()
    joined = tracks.join(expected_tracks["popularity"], on="track_id")
    expected = joined.groupby("track_genre")["popularity"].agg(["count", "mean", "median"])
    built = (
        fixture_db.execute(
            "select genre, track_count, avg_popularity, median_popularity "
            "from marts.mart_genre_popularity where taxonomy = 'track_genre'"
        )
        .df()
        .set_index("genre")
        .sort_index()
    )
    assert list(built.index) == list(expected.index)
    assert (built["track_count"].to_numpy() == expected["count"].to_numpy()).all()
    np.testing.assert_allclose(built["avg_popularity"], expected["mean"])
    np.testing.assert_allclose(built["median_popularity"], expected["median"])


def test_release_year_trends_match_pandas(
    fixture_db: duckdb.DuckDBPyConnection, expected_tracks: pd.DataFrame
) -> None:
    expected = expected_tracks.dropna(subset=["release_year"]).groupby("release_year")["popularity"]
    built = (
        fixture_db.execute(
            "select release_year, track_count, avg_popularity from marts.mart_release_year_trends"
        )
        .df()
        .set_index("release_year")
        .sort_index()
    )
    assert list(built.index) == [int(year) for year in expected.count().index]
    assert (built["track_count"].to_numpy() == expected.count().to_numpy()).all()
    np.testing.assert_allclose(built["avg_popularity"], expected.mean())


def test_correlations_match_pandas(
    fixture_db: duckdb.DuckDBPyConnection, expected_tracks: pd.DataFrame
) -> None:
    built = dict(
        (
            (x, y),
            r,
        )
        for x, y, r in fixture_db.execute(
            "select feature_x, feature_y, pearson_r from marts.mart_feature_correlations"
        ).fetchall()
    )
    frame = expected_tracks.assign(popularity=expected_tracks["popularity"].astype(float))
    for x, y in [("popularity", "energy"), ("loudness", "energy"), ("tempo", "valence")]:
        assert built[(x, y)] == pytest.approx(frame[x].corr(frame[y]), abs=1e-9)
        assert built[(y, x)] == pytest.approx(built[(x, y)], abs=1e-12)
    assert built[("energy", "energy")] == pytest.approx(1.0)


def test_distributions_cover_every_value(
    fixture_db: duckdb.DuckDBPyConnection, expected_tracks: pd.DataFrame
) -> None:
    rows = fixture_db.execute(
        "select feature, count(*), sum(track_count), sum(track_share) "
        "from marts.mart_feature_distributions group by feature"
    ).fetchall()
    by_feature = {feature: (bins, total, share) for feature, bins, total, share in rows}
    assert by_feature["tempo"][:2] == (20, int(expected_tracks["tempo"].notna().sum()))
    assert by_feature["energy"][:2] == (20, len(expected_tracks))
    assert all(share == pytest.approx(1.0) for _, _, share in by_feature.values())


def test_undetected_values_are_nulled_and_flagged(
    fixture_db: duckdb.DuckDBPyConnection, raw_tracks: pd.DataFrame
) -> None:
    tracks = accepted(raw_tracks, "spotify.tracks")
    undetected_metre = set(tracks.loc[tracks["time_signature"].isin(["0", "1"]), "track_id"])
    flagged = {
        row[0]
        for row in fixture_db.execute(
            "select track_id from marts.fct_track_features "
            "where is_time_signature_undetected and time_signature is null"
        ).fetchall()
    }
    assert flagged == undetected_metre
    assert len(flagged) >= 2
    zero_tempo = scalar(
        fixture_db,
        "select count(*) from marts.fct_track_features where is_tempo_undetected and tempo is null",
    )
    assert zero_tempo >= 3


def test_partial_release_dates_keep_their_precision(fixture_db: duckdb.DuckDBPyConnection) -> None:
    rows = fixture_db.execute(
        "select release_date_precision, count(*), "
        "bool_and(release_date = make_date(release_year, 1, 1)) "
        "from marts.dim_tracks where release_date is not null group by 1 order by 1"
    ).fetchall()
    by_precision = {precision: (count, first_of_year) for precision, count, first_of_year in rows}
    assert set(by_precision) == {"day", "month", "year"}
    assert by_precision["year"][1] is True
    assert by_precision["month"][0] >= 1


def test_names_with_markup_are_kept_verbatim(fixture_db: duckdb.DuckDBPyConnection) -> None:
    name = scalar(
        fixture_db,
        "select track_name from marts.dim_tracks where track_id = 'FixturePlaylist08xxxxx'",
    )
    assert name == "<script>alert(1)</script> & \"Quotes\" 'n' Ampersands"


def test_marts_enforce_primary_keys(fixture_db: duckdb.DuckDBPyConnection) -> None:
    keyed = {
        row[0]
        for row in fixture_db.execute(
            "select table_name from duckdb_constraints() "
            "where schema_name = 'marts' and constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    assert {"dim_tracks", "dim_artists", "fct_track_features", "mart_release_year_trends"} <= keyed


def test_feature_trends_match_least_squares(fixture_db: duckdb.DuckDBPyConnection) -> None:
    """Slope and standard error of each measure's yearly means over the last 20 years,
    recomputed with numpy from mart_release_year_trends."""
    yearly = fixture_db.execute("select * from marts.mart_release_year_trends").fetchdf()
    trends = fixture_db.execute("select * from marts.mart_feature_trends").fetchdf()
    last_year = int(yearly["release_year"].max())
    window = yearly[yearly["release_year"] > last_year - 20]
    # One row per measure with a yearly mean, so the loop below cannot pass on no rows.
    measures = sorted(column.removeprefix("avg_") for column in yearly if column.startswith("avg_"))
    assert measures and sorted(trends["feature"]) == measures
    for row in trends.itertuples():
        points = window[["release_year", f"avg_{row.feature}"]].dropna()
        x, y = points["release_year"].to_numpy(float), points[f"avg_{row.feature}"].to_numpy()
        slope, intercept = np.polyfit(x, y, 1)
        residuals = y - (slope * x + intercept)
        std_error = np.sqrt(residuals @ residuals / (len(x) - 2) / ((x - x.mean()) ** 2).sum())
        assert (row.window_start_year, row.window_end_year) == (last_year - 19, last_year)
        assert row.year_count == len(x)
        assert row.slope_per_decade == pytest.approx(10 * slope, rel=1e-9, abs=1e-12)
        assert row.slope_std_error_per_decade == pytest.approx(10 * std_error, rel=1e-6, abs=1e-12)
        if std_error < 1e-12:  # a constant series (time_signature on the fixture): no t
            assert pd.isna(row.t_statistic)
        else:
            assert row.t_statistic == pytest.approx(slope / std_error, rel=1e-6)


def test_genre_top_tracks_are_each_genres_most_popular(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    """mart_genre_top_tracks against pandas: top 10 by popularity, then name, then id."""
    genre_tracks = fixture_db.execute(
        "select genres.taxonomy, genres.genre, tracks.track_id, tracks.track_name, "
        "tracks.popularity from marts.bridge_track_genres as genres "
        "inner join marts.dim_tracks as tracks on tracks.track_id = genres.track_id"
    ).fetchdf()
    ordered = genre_tracks.sort_values(
        ["taxonomy", "genre", "popularity", "track_name", "track_id"],
        ascending=[True, True, False, True, True],
        na_position="last",
    )
    expected = ordered.groupby(["taxonomy", "genre"], sort=True).head(10)
    expected = expected.assign(genre_rank=expected.groupby(["taxonomy", "genre"]).cumcount() + 1)
    actual = fixture_db.execute(
        "select taxonomy, genre, genre_rank, track_id from marts.mart_genre_top_tracks "
        "order by taxonomy, genre, genre_rank"
    ).fetchall()
    assert actual == list(
        expected[["taxonomy", "genre", "genre_rank", "track_id"]].itertuples(index=False, name=None)
    )


def test_mood_playlists_match_the_seed_ranges(fixture_db: duckdb.DuckDBPyConnection) -> None:
    """mart_mood_playlists against pandas: tracks inside every range of the mood, one id per
    song (most popular kept), by popularity, then closeness to the ranges' middle, then id."""
    moods = pd.read_csv(ROOT / "dbt_project" / "seeds" / "moods.csv")
    tracks = fixture_db.execute(
        "select * from marts.fct_track_features inner join "
        "(select track_id, track_name, artist_names from marts.dim_tracks) using (track_id)"
    ).fetchdf()
    expected = []
    for mood, ranges in moods.groupby("mood"):
        inside = np.ones(len(tracks), dtype=bool)
        distance = np.zeros(len(tracks))
        for row in ranges.itertuples():
            values = tracks[row.feature]
            inside &= values.between(row.min_value, row.max_value).to_numpy()
            half = (row.max_value - row.min_value) / 2
            distance += (values - (row.min_value + row.max_value) / 2).abs().to_numpy() / half
        fitting = tracks[inside].assign(centre_distance=distance[inside] / len(ranges))
        fitting = fitting.assign(
            song=fitting["track_name"].str.strip().str.lower()
            + "|"
            + fitting["artist_names"].str.strip().str.lower()
        )
        fitting = fitting.sort_values(
            ["popularity", "track_id"], ascending=[False, True]
        ).drop_duplicates("song")
        fitting = fitting.sort_values(
            ["popularity", "centre_distance", "track_id"], ascending=[False, True, True]
        ).head(50)
        expected += [(mood, rank, track) for rank, track in enumerate(fitting["track_id"], 1)]
    actual = fixture_db.execute(
        "select mood, mood_rank, track_id from marts.mart_mood_playlists order by mood, mood_rank"
    ).fetchall()
    assert actual == expected
    chill = fixture_db.execute("select track_id from marts.mood_playlist('chill', size := 3)")
    assert [row[0] for row in chill.fetchall()] == [
        track for mood, rank, track in expected if mood == "chill" and rank <= 3
    ]
    assert fixture_db.execute("select count(*) from marts.mood_playlist('nope')").fetchall() == [
        (0,)
    ]


def test_playlist_bridge_is_the_distinct_accepted_pairs(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    pairs = fixture_db.execute(
        "select distinct playlist_id, track_id from intermediate.int_playlist_tracks_validated "
        "where is_accepted order by all"
    ).fetchall()
    bridge = fixture_db.execute(
        "select playlist_id, track_id from marts.bridge_playlist_tracks order by all"
    ).fetchall()
    assert bridge == pairs
    sizes = fixture_db.execute(
        "select count(*) from marts.dim_playlists as playlists "
        "inner join (select playlist_id, count(*) as n from marts.bridge_playlist_tracks "
        "group by 1) as counted using (playlist_id) where counted.n <> playlists.track_count"
    ).fetchall()
    assert sizes == [(0,)]


def test_dbt_unit_tests_run_and_pass_in_the_build(
    fixture_build: tuple[Path, DbtResult],
) -> None:
    """The rule-heavy SQL (dedup, primary genre, trend OLS, class scores, quarantine reasons)
    is pinned by dbt unit tests; a plain `dbt build` must run every one of them."""
    run_results = json.loads((fixture_build[0].parent / "target" / "run_results.json").read_text())
    unit_results = {
        result["unique_id"]: result["status"]
        for result in run_results["results"]
        if result["unique_id"].startswith("unit_test.")
    }
    tested_models = {unique_id.split(".")[2] for unique_id in unit_results}
    assert len(unit_results) >= 5, sorted(unit_results)
    assert set(unit_results.values()) == {"pass"}, unit_results
    assert {
        "int_tracks_deduplicated",
        "int_tracks_labelled",
        "mart_feature_trends",
        "genre_class_metrics",
        "quarantine_reasons",
    } <= tested_models, tested_models
