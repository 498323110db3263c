"""Unit tests of the report site's pure functions: escaping, formats, slugs, SQL, sentences, charts.

The warehouse and browser tests show that a built site looks right for today's data. They
cannot show that a track name with `</script>` in it stays inert, that -0.00 never reaches a
page, that two genres never share a file name, that a report never reads staging tables, or
that the generated sentences follow the data when it changes. Those are properties of small
pure functions, checked here on hand-made inputs with exact expected outputs, in seconds and
without building anything.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import numpy as np
import pandas as pd
import pytest
from markupsafe import Markup

from reports import charts, insights, pages, queries, render
from reports.insights import Insight
from reports.queries import QueryRun, QueryRunner, UnknownQueryError
from tests.support import all_query_names

pytestmark = pytest.mark.unit

DASH = "\u2013"  # what a page shows for a missing value (an en dash)
HOSTILE = "</script><script>alert(1)</script> <!-- & \u2028 \u2029 -->"
WAREHOUSE_SCHEMAS = ("staging", "intermediate", "marts", "ml", "quality", "operations", "reference")


# --- render.script_json ---------------------------------------------------------------------


def test_script_json_escapes_everything_that_could_end_the_script_element() -> None:
    value = {"track_name": HOSTILE, "nested": [HOSTILE, {"k&<>": 1.5}], "n": None}
    text = render.script_json(value)
    assert isinstance(text, Markup)  # Jinja must not escape it a second time
    for character in "<>&\u2028\u2029":
        assert character not in text
    assert "</script" not in text.lower()
    assert "<!--" not in text
    assert json.loads(str(text)) == value


def test_script_json_exact_escapes() -> None:
    assert render.script_json("</script>&") == '"\\u003c/script\\u003e\\u0026"'
    assert render.script_json({"a": [1, 2]}) == '{"a":[1,2]}'


def test_script_json_serialises_timestamps_and_numpy_scalars() -> None:
    value = {"t": pd.Timestamp("2020-01-02 03:04:05"), "n": np.int64(3), "x": np.float32(0.5)}
    assert render.script_json(value) == '{"t":"2020-01-02T03:04:05","n":3,"x":0.5}'
    with pytest.raises(TypeError, match="cannot serialise object"):
        render.script_json({"bad": object()})


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), np.float64("nan")])
def test_script_json_refuses_nan_and_infinity(bad: float) -> None:
    # JSON has no NaN; a spec containing one would not parse in the browser.
    with pytest.raises(ValueError):
        render.script_json({"value": bad})


# --- render.format_value ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (116128, "int", "116,128"),
        (1234.6, "int", "1,235"),
        (np.int64(2500000), "int", "2,500,000"),
        (47.345, "num1", "47.3"),
        (12345.67, "num1", "12,345.7"),
        (3.14159, "num2", "3.14"),
        (0.85321, "num3", "0.853"),
        (1234.5678, "num3", "1,234.568"),
        (0.1234, "signed", "+0.123"),
        (-0.1234, "signed", "-0.123"),
        (0.853, "pct", "85.3%"),
        (0.0, "pct", "0.0%"),
        (2019.0, "year", "2019"),
        (np.int64(1957), "year", "1957"),
        ("pop", "text", "pop"),
        (5, "text", "5"),
        ("r&b", "text", "r&b"),  # escaping is the template's job, not the formatter's
        (["danceability", "energy"], "list", "danceability, energy"),
        (("a", "b", "c"), "list", "a, b, c"),
        (["only"], "text", "only"),
        ([], "list", ""),
    ],
)
def test_format_value_kinds(value: Any, kind: str, expected: str) -> None:
    assert render.format_value(value, kind) == expected


def test_format_value_default_kind_is_text() -> None:
    assert render.format_value("Hip Hop") == "Hip Hop"
    assert render.format_value(1.5) == "1.5"


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT])
@pytest.mark.parametrize("kind", ["int", "num1", "num2", "num3", "signed", "pct", "year", "text"])
def test_format_value_missing_is_a_dash(missing: Any, kind: str) -> None:
    assert render.format_value(missing, kind) == DASH


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (-0.0001, "num2", "0.00"),
        (-0.3, "num2", "-0.30"),
        (-0.0, "num2", "0.00"),
        (-0.004, "num2", "0.00"),
        (-0.006, "num2", "-0.01"),
        (-0.00004, "num1", "0.0"),
        (-0.0004, "num3", "0.000"),
        (-0.0006, "num3", "-0.001"),
        (-0.00001, "pct", "0.0%"),
        (-0.002, "pct", "-0.2%"),
        (-0.4, "int", "0"),
        (-1234.4, "int", "-1,234"),
    ],
)
def test_format_value_suppresses_negative_zero_only(value: float, kind: str, expected: str) -> None:
    assert render.format_value(value, kind) == expected


# --- render.slugify and pages.assign_slugs -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("r&b", "r-b"),
        ("Hip Hop", "hip-hop"),
        ("k-pop", "k-pop"),
        ("  Post-Teen Pop  ", "post-teen-pop"),
        ("Música Latina", "musica-latina"),
        ("Beyoncé & Jay-Z", "beyonce-jay-z"),
        ("drum and bass 2", "drum-and-bass-2"),
        ("", "genre"),
        ("&&&", "genre"),
        ("!? /", "genre"),
        ("漢字", "genre"),
    ],
)
def test_slugify(text: str, expected: str) -> None:
    assert render.slugify(text) == expected


def test_assign_slugs_makes_colliding_slugs_unique_per_taxonomy() -> None:
    leaderboard = pd.DataFrame(
        {
            "taxonomy": [
                "track_genre",
                "playlist_genre",
                "playlist_genre",
                "track_genre",
                "playlist_genre",
                "playlist_genre",
            ],
            "genre": ["hip hop", "r-b", "pop", "r&b", "r&b", "r/b"],
        }
    )
    slugs = pages.assign_slugs(leaderboard)
    assert slugs == {
        # sorted by name within a taxonomy, so the first spelling keeps the plain slug
        ("playlist_genre", "pop"): "pop",
        ("playlist_genre", "r&b"): "r-b",
        ("playlist_genre", "r-b"): "r-b-2",
        ("playlist_genre", "r/b"): "r-b-3",
        # the same name in another taxonomy is a different folder: no suffix needed
        ("track_genre", "hip hop"): "hip-hop",
        ("track_genre", "r&b"): "r-b",
    }
    # the row order of the query must not change the file names
    assert pages.assign_slugs(leaderboard.iloc[::-1]) == slugs


def test_assign_slugs_suffix_never_takes_another_genres_slug() -> None:
    leaderboard = pd.DataFrame({"taxonomy": ["t"] * 4, "genre": ["a-2", "a", "a!", "A"]})
    slugs = pages.assign_slugs(leaderboard)
    assert len(set(slugs.values())) == 4
    assert slugs == {("t", "A"): "a", ("t", "a"): "a-2", ("t", "a!"): "a-3", ("t", "a-2"): "a-2-2"}


# --- render.sort_key ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, "5.0"),
        (2.5, "2.5"),
        (-0.125, "-0.125"),
        (116128, "116128.0"),
        (True, "1"),
        (False, "0"),
        ("Hip Hop", "hip hop"),
        ("ÉTÉ", "été"),
        (None, ""),
        (float("nan"), ""),
        (pd.NA, ""),
        (pd.NaT, ""),
    ],
)
def test_sort_key(value: Any, expected: str) -> None:
    assert render.sort_key(value) == expected


# --- queries: table references, the query files -------------------------------------------


def test_tables_read_finds_schema_qualified_tables_outside_comments() -> None:
    sql = """
    -- Reads marts.old_table in this comment only, and ml.commented_out too.
    select tracks.track_id, metrics.value  -- quality.also_a_comment
    from marts.dim_tracks as tracks
    inner join ml.model_metrics as metrics on true
    inner join quality_rules on true
    inner join reference.quality_rules as rules on true
    """
    assert queries.tables_read(sql) == {
        "marts.dim_tracks",
        "ml.model_metrics",
        "reference.quality_rules",
    }
    assert queries.tables_read("select 1 -- from marts.dim_tracks") == set()
    assert queries.tables_read("select * from quality_rules") == set()


def test_all_query_names_lists_every_file_under_reports_sql() -> None:
    sql_dir = Path(queries.__file__).resolve().parent / "sql"
    on_disk = []
    for folder, _, files in os.walk(sql_dir):
        for name in files:
            path = Path(folder, name).relative_to(sql_dir)
            assert path.suffix == ".sql", f"stray file {path} in reports/sql"
            # pyproject packages `sql/*/*.sql`: a deeper file would be missing from a wheel
            assert len(path.parts) == 2, f"{path} is not reports/sql/<page>/<name>.sql"
            on_disk.append(path.with_suffix("").as_posix())
    names = all_query_names()
    assert on_disk and names == sorted(on_disk)
    assert len(names) >= 30
    assert "genres/leaderboard" in names
    assert "trends/feature_trends" in names


@pytest.mark.parametrize("name", all_query_names())
def test_report_queries_read_only_reported_schemas(name: str) -> None:
    sql = queries.query_sql(name)
    reported = queries.tables_read(sql)
    assert reported, f"{name} reads no warehouse table"
    assert {table.split(".")[0] for table in reported} <= set(queries.REPORTED_SCHEMAS)
    code = re.sub(r"--[^\n]*", "", sql)
    referenced = {
        f"{schema}.{table}"
        for schema, table in re.findall(r"\b(\w+)\.(\w+)\b", code)
        if schema.lower() in WAREHOUSE_SCHEMAS
    }
    # staging and intermediate are internal: a report reading them would not be declared
    # in the exposures, and would break when they are refactored.
    assert referenced <= reported, f"{name} reads {sorted(referenced - reported)}"


# --- queries.QueryRunner --------------------------------------------------------------------


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> QueryRunner:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "ok.sql").write_text("select a from marts.x", encoding="utf-8")
    (tmp_path / "p" / "missing.sql").write_text("select * from ml.model_metrics", encoding="utf-8")
    monkeypatch.setattr(queries, "SQL_DIR", tmp_path)
    connection = duckdb.connect()
    connection.execute("create schema marts; create table marts.x as select 1 as a")
    return QueryRunner(connection)


def test_query_runner_runs_logs_and_explains_missing_tables(runner: QueryRunner) -> None:
    assert all_query_names() == ["p/missing", "p/ok"]

    ok = runner("p/ok")
    assert ok.to_dict("list") == {"a": [1]}
    assert runner.problem("p/ok") is None

    missing = runner("p/missing")
    assert isinstance(missing, pd.DataFrame)
    assert missing.empty
    assert list(missing.columns) == []
    problem = runner.problem("p/missing")
    assert problem is not None
    assert "ml.model_metrics" in problem
    assert "make build" in problem
    assert problem.startswith("not built yet: this query reads ml.model_metrics")
    assert runner.problem("p/never_run") is None

    log = runner.take_log()
    assert log == [
        QueryRun("p/ok", "select a from marts.x", 1, None),
        QueryRun("p/missing", "select * from ml.model_metrics", 0, problem),
    ]
    assert runner.take_log() == []
    assert runner.runs == []
    assert runner.problem("p/missing") is None  # the log belongs to the page just rendered


def test_query_runner_unknown_query(runner: QueryRunner) -> None:
    with pytest.raises(UnknownQueryError, match="no report query 'p/nope'"):
        runner("p/nope")
    with pytest.raises(KeyError):  # callers may catch it as a KeyError
        runner("p")  # a folder, not a query
    assert runner.take_log() == []


def test_query_runner_does_not_hide_real_sql_errors(runner: QueryRunner, tmp_path: Path) -> None:
    # Only a missing table means "not built yet"; a broken query must still fail loudly.
    (tmp_path / "p" / "broken.sql").write_text("select no_such_column from marts.x")
    with pytest.raises(duckdb.BinderException):
        runner("p/broken")


# --- insights: trends -------------------------------------------------------------------------


def trend_row(
    feature: str, slope: float, error: float, year_count: int = 20, t_statistic: float | None = None
) -> dict[str, Any]:
    if t_statistic is None:
        t_statistic = slope / error if error and not math.isnan(error) else float("nan")
    return {
        "feature": feature,
        "window_start_year": 2001,
        "window_end_year": 2020,
        "year_count": year_count,
        "track_count": 24000,
        "window_mean": 0.5,
        "slope_per_decade": slope,
        "slope_std_error_per_decade": error,
        "t_statistic": t_statistic,
        "r_squared": 0.5,
    }


def test_critical_t() -> None:
    assert insights.critical_t(20) == pytest.approx(2.100922, abs=1e-6)  # t(0.975, 18 df)
    assert insights.critical_t(12) == pytest.approx(2.228139, abs=1e-6)  # 10 df
    assert insights.critical_t(2) == pytest.approx(12.706205, abs=1e-6)  # floor of 1 df
    assert insights.critical_t(20, confidence=0.9) == pytest.approx(1.734064, abs=1e-6)


def test_describe_trend_clear_fall_and_rise() -> None:
    # margin = t(0.975, 18) * 0.01 = 0.0210
    fall = pd.Series(trend_row("valence", -0.1, 0.01))
    assert insights.describe_trend(fall) == (
        "valence fell by 0.100 per decade (± 0.021, 95% interval) over 2001-2020."
    )
    rise = pd.Series(trend_row("duration_sec", 12.5, 1.0))
    assert insights.describe_trend(rise) == (
        "duration (s) rose by 12.5 per decade (± 2.1, 95% interval) over 2001-2020."
    )


def test_describe_trend_without_a_clear_trend() -> None:
    row = pd.Series(trend_row("loudness", -0.05, 0.1))
    text = insights.describe_trend(row)
    assert "no clear trend" in text
    assert text == (
        "loudness (dB) shows no clear trend over 2001-2020: -0.0500 per decade, "
        "within its uncertainty of ± 0.21."
    )


@pytest.mark.parametrize(("slope", "error"), [(float("nan"), float("nan")), (0.3, float("nan"))])
def test_describe_trend_too_few_years(slope: float, error: float) -> None:
    row = pd.Series(trend_row("tempo", slope, error, year_count=1))
    assert insights.describe_trend(row) == (
        "tempo (BPM): too few release years in 2001-2020 to estimate a trend."
    )


def test_trend_insights() -> None:
    trends = pd.DataFrame(
        [
            trend_row("energy", 0.005, 0.01),  # t 0.5: flat
            trend_row("danceability", 0.03, 0.01),  # t 3: clear
            trend_row("tempo", float("nan"), float("nan"), year_count=1),  # not fitted
            trend_row("valence", -0.1, 0.01),  # t -10: clear, strongest
            trend_row("acousticness", -0.01, 0.01),  # t -1: flat
            trend_row("speechiness", 0.0195, 0.01),  # t 1.95: flat at 95 % (t 2.101)
        ]
    )
    source = ("trends/feature_trends",)
    assert insights.trend_insights(trends) == [
        Insight(
            "trends",
            "valence fell by 0.100 per decade (± 0.021, 95% interval) over 2001-2020.",
            source,
        ),
        Insight(
            "trends",
            "danceability rose by 0.0300 per decade (± 0.021, 95% interval) over 2001-2020.",
            source,
        ),
        Insight(
            "trends",
            "No clear trend over 2001-2020 (change within its 95% uncertainty) for: "
            "acousticness, energy, speechiness.",
            source,
        ),
    ]


def test_trend_insights_edge_cases() -> None:
    assert insights.trend_insights(pd.DataFrame()) == []
    unfitted = pd.DataFrame([trend_row("tempo", float("nan"), float("nan"), year_count=1)])
    assert insights.trend_insights(unfitted) == [
        Insight(
            "trends",
            "tempo (BPM): too few release years in 2001-2020 to estimate a trend.",
            ("trends/feature_trends",),
        )
    ]


# --- insights: genre popularity ---------------------------------------------------------------


def genre_popularity(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    """Rows of (taxonomy, genre, rank, mean popularity), as insights/genre_popularity returns."""
    frame = pd.DataFrame(rows, columns=["taxonomy", "genre", "popularity_rank", "avg_popularity"])
    return frame.assign(
        track_count=1000,
        hit_share=frame["avg_popularity"] / 300,
        catalog_avg_popularity=48.0,
        genre_count=frame.groupby("taxonomy")["genre"].transform("count"),
    )


def test_genre_popularity_insights_names_top_and_bottom_and_follows_the_data() -> None:
    before = genre_popularity(
        [
            ("playlist_genre", "edm", 3, 40.0),
            ("playlist_genre", "pop", 1, 60.0),
            ("playlist_genre", "rock", 2, 50.0),
            ("playlist_subgenre", "big room", 1, 70.0),  # subgenres have no sentence
            ("playlist_subgenre", "trap", 2, 30.0),
        ]
    )
    [insight] = insights.genre_popularity_insights(before)
    assert insight.topic == "popular genres"
    assert insight.queries == ("insights/genre_popularity",)
    assert insight.text.startswith(
        "Of the 3 playlist genres, pop has the highest mean popularity "
        "(60.0 of 100, against 48.0 for all tracks)"
    )
    assert insight.text.endswith("; edm has the lowest (40.0).")

    # The data changes: edm is now the most popular genre and pop the least.
    after = before.copy()
    after.loc[after["genre"] == "edm", ["popularity_rank", "avg_popularity"]] = [1, 61.5]
    after.loc[after["genre"] == "pop", ["popularity_rank", "avg_popularity"]] = [3, 39.5]
    [changed] = insights.genre_popularity_insights(after)
    assert changed.text != insight.text
    assert changed.text.startswith(
        "Of the 3 playlist genres, edm has the highest mean popularity (61.5 of 100"
    )
    assert changed.text.endswith("; pop has the lowest (39.5).")


def test_genre_popularity_insights_exact_sentences() -> None:
    genres = genre_popularity(
        [
            ("playlist_genre", "latin", 4, 32.25),
            ("playlist_genre", "pop", 1, 45.68),
            ("playlist_genre", "rap", 2, 41.04),
            ("playlist_genre", "rock", 3, 37.0),
            ("track_genre", "chill", 4, 53.7),
            ("track_genre", "iranian", 5, 2.2),
            ("track_genre", "k-pop", 1, 59.4),
            ("track_genre", "metal", 3, 56.4),
            ("track_genre", "pop-film", 2, 59.1),
        ]
    )
    assert [insight.text for insight in insights.genre_popularity_insights(genres)] == [
        "Of the 4 playlist genres, pop has the highest mean popularity (45.7 of 100, against "
        "48.0 for all tracks), followed by rap (41.0), rock (37.0); latin has the lowest (32.2).",
        "Of the 5 track genres, k-pop has the highest mean popularity (59.4 of 100, against "
        "48.0 for all tracks), followed by pop-film (59.1), metal (56.4); iranian has the "
        "lowest (2.2).",
    ]


def test_genre_popularity_insights_without_enough_genres() -> None:
    assert insights.genre_popularity_insights(genre_popularity([])) == []
    single = genre_popularity([("playlist_genre", "pop", 1, 45.0)])
    assert insights.genre_popularity_insights(single) == []


# --- insights: genre separation and popularity correlations -------------------------------


def model_kpis(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    """Rows of (task, scenario, metric, best, baseline), as index/model_kpis returns."""
    frame = pd.DataFrame(
        rows, columns=["task", "scenario", "metric", "best_value", "baseline_value"]
    )
    return frame.assign(reference_value=frame["best_value"] * 0.9)


KPIS = model_kpis(
    [
        ("track_genre", "catalog", "accuracy", 0.853, 0.0096),
        ("playlist_genre", "catalog", "accuracy", 0.712, 0.180),
        ("playlist_genre", "cold_start", "accuracy", 0.523, 0.188),
        ("popularity", "catalog", "r2", 0.41, -0.02),
        ("popularity", "cold_start", "r2", 0.3, -0.01),
        ("popularity", "new_track", "r2", 0.2, -0.01),
    ]
)


def test_genre_separation_insights() -> None:
    separation = pd.DataFrame(
        {
            "feature": ["valence", "energy", "speechiness", "danceability"],
            "eta_squared": [0.10, 0.254, 0.05, 0.20],
            "highest_genre": ["latin", "edm", "rap", "rap"],
            "highest_mean": [0.6, 0.8, 0.2, 0.72],
            "lowest_genre": ["edm", "r&b", "rock", "rock"],
            "lowest_mean": [0.4, 0.55, 0.06, 0.52],
        }
    )
    importance = pd.DataFrame(
        {
            "feature": ["speechiness", "danceability", "duration_sec", "energy"],
            "importance": [0.09, 0.07, 0.05, 0.01],
            "importance_rank": [1, 2, 3, 4],
        }
    )
    assert insights.genre_separation_insights(separation, importance, KPIS) == [
        Insight(
            "what separates genres",
            "Energy separates the playlist genres most: 25% of its variance lies between the "
            "genre means (edm highest at 0.800, r&b lowest at 0.550); next come danceability "
            "(20%), valence (10%).",
            ("insights/genre_separation",),
        ),
        Insight(
            "what separates genres",
            "From audio features alone, the best model puts 52.3% of tracks by artists it never "
            "saw in the right playlist genre (guessing the most common genre: 18.8%); it leans "
            "most on speechiness, danceability, duration (s).",
            ("index/model_kpis", "insights/model_importance"),
        ),
    ]


def test_genre_separation_insights_partial_and_empty_inputs() -> None:
    empty = pd.DataFrame()
    assert insights.genre_separation_insights(empty, empty, empty) == []
    one = pd.DataFrame(
        {
            "feature": ["speechiness"],
            "eta_squared": [0.1987],
            "highest_genre": ["rap"],
            "highest_mean": [0.1965],
            "lowest_genre": ["rock"],
            "lowest_mean": [0.05786],
        }
    )
    [only] = insights.genre_separation_insights(one, empty, KPIS)
    assert only.text == (
        "Speechiness separates the playlist genres most: 20% of its variance lies between the "
        "genre means (rap highest at 0.197, rock lowest at 0.0579)."
    )
    no_cold_start = KPIS[KPIS["scenario"] != "cold_start"]
    importance = pd.DataFrame({"feature": ["tempo"], "importance": [0.1], "importance_rank": [1]})
    assert insights.genre_separation_insights(empty, importance, no_cold_start) == []


def test_popularity_correlation_insights() -> None:
    correlations = pd.DataFrame(
        {
            "feature": ["danceability", "instrumentalness", "valence", "energy"],
            "pearson_r": [0.07, -0.15, 0.02, -0.11],
            "pair_count": [116128] * 4,
        }
    )
    assert insights.popularity_correlation_insights(correlations, KPIS) == [
        Insight(
            "what goes with popularity",
            "The audio feature most correlated with popularity is instrumentalness "
            "(r = -0.15, weak), then energy (r = -0.11); 2 of 4 features have |r| below 0.1.",
            ("insights/popularity_correlations",),
        ),
        Insight(
            "what goes with popularity",
            "Popularity is hard to predict from the audio: for a new track, from its audio "
            "alone, the best model explains R² = 0.20 of the variance (the reference forest "
            "0.18); for a listed track by an artist the model never saw, the catalog's "
            "structure and the track's genres raise that to 0.30, and knowing the artist's "
            "and album's other songs to 0.41 (a constant guess scores -0.02).",
            ("index/model_kpis",),
        ),
    ]


def test_popularity_correlation_insights_partial_and_empty_inputs() -> None:
    empty = pd.DataFrame()
    assert insights.popularity_correlation_insights(empty, empty) == []
    single = pd.DataFrame({"feature": ["loudness"], "pearson_r": [0.55], "pair_count": [10]})
    [only] = insights.popularity_correlation_insights(single, KPIS[KPIS["task"] != "popularity"])
    assert only.text == (
        "The audio feature most correlated with popularity is loudness (dB) "
        "(r = +0.55, strong); 0 of 1 features have |r| below 0.1."
    )


@pytest.mark.parametrize(
    ("r", "words"),
    [
        (0.0, "negligible"),
        (-0.099, "negligible"),
        (0.1, "weak"),
        (-0.29, "weak"),
        (0.3, "moderate"),
        (0.5, "strong"),
        (-0.9, "strong"),
    ],
)
def test_correlation_strength(r: float, words: str) -> None:
    assert insights.correlation_strength(r) == words


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.1, 3, "0.100"),
        (0.021009, 2, "0.021"),
        (12.5, 3, "12.5"),
        (123456.0, 3, "123,456"),
        (-0.05, 3, "-0.0500"),
        (0, 3, "0"),
        (float("nan"), 3, "n/a"),
        (None, 3, "n/a"),
    ],
)
def test_number(value: float, digits: int, expected: str) -> None:
    assert insights.number(value, digits) == expected


# --- charts -------------------------------------------------------------------------------------

PLAYLIST_GENRES = ["pop", "rap", "r&b"]
FEATURES = ["danceability", "loudness", "tempo"]
SCENARIOS = ["catalog", "cold_start", "new_track"]
#: The audio features the trends/yearly query selects.
YEARLY_FEATURES = ["danceability", "energy", "loudness", "acousticness", "valence", "tempo"]


def chart_inputs() -> dict[str, tuple[pd.DataFrame | None, Any]]:
    """For each chart builder: the rows its report query returns, and how pages.py calls it."""
    leaderboard = pd.DataFrame(
        {
            "taxonomy": "playlist_genre",
            "genre": PLAYLIST_GENRES,
            "popularity_rank": [1, 2, 3],
            "track_count": [5132, 5746, 5431],
            "avg_popularity": [45.68, 41.04, 37.2],
            "median_popularity": [50.0, 45.0, 40.0],
            "p90_popularity": [75.0, 70.0, 66.0],
            "hit_share": [0.173, 0.12, 0.09],
        }
    )
    profiles = pd.DataFrame(
        [
            {
                "taxonomy": "playlist_genre",
                "genre": genre,
                "feature": feature,
                "genre_mean": 0.5 + i / 10,
                "overall_mean": 0.5,
                "z_score": i - 1.0,
            }
            for i, genre in enumerate(PLAYLIST_GENRES)
            for feature in FEATURES
        ]
    )
    distribution = pd.DataFrame(
        {
            "taxonomy": "playlist_genre",
            "genre": PLAYLIST_GENRES,
            "track_count": [5132, 5746, 5431],
            "p10": [5.0, 3.0, 1.0],
            "p25": [29.0, 25.0, 20.0],
            "median": [50.0, 45.0, 40.0],
            "p75": [65.0, 60.0, 55.0],
            "p90": [75.0, 70.0, 66.0],
            "mean": [45.68, 41.04, 37.2],
        }
    )
    sample = pd.DataFrame(
        {
            "track_id": ["4dtfrnZWZ4Qttt1xJDT9BY", "696DnlkuDOXcMAnKlTgXXK"],
            "track_name": ["Rocksteady", "ROXANNE"],
            "primary_artist_name": ["Remy Shand", "Arizona Zervas"],
            "energy": [0.378, 0.601],
            "loudness": [-9.923, -5.616],
            "popularity": [34, 99],
            "track_genres": [np.nan, "pop, rap"],
        }
    )
    yearly = pd.DataFrame(
        {
            "release_year": [2018, 2019, 2020],
            "release_decade": [2010, 2010, 2020],
            "track_count": [3000, 3100, 2900],
            "avg_popularity": [40.1, 42.3, 44.0],
            "hit_share": [0.1, 0.12, 0.15],
            **{f"avg_{feature}": [0.5, 0.52, 0.55] for feature in YEARLY_FEATURES},
            "explicit_share": [np.nan, 0.3, 0.35],
        }
    )
    decades = pd.DataFrame(
        {
            "release_decade": [1990, 2000, 2010],
            "track_count": [900, 4000, 20000],
            "avg_popularity": [38.0, 35.5, 33.2],
        }
    )
    genre_share = pd.DataFrame(
        [
            {
                "release_year": year,
                "playlist_genre": genre,
                "track_count": 10 + i,
                "share_of_year": (10 + i) / 33,
                "avg_popularity": 40.0,
            }
            for year in (2019, 2020)
            for i, genre in enumerate(PLAYLIST_GENRES)
        ]
    )
    trends = pd.DataFrame(
        [
            trend_row("valence", -0.1, 0.01),
            trend_row("loudness", 0.05, 0.1),
            trend_row("tempo", float("nan"), float("nan"), year_count=1),
        ]
    )
    importance = pd.DataFrame(
        [
            {
                "scenario": "catalog",
                "model": model,
                "method": method,
                "feature": feature,
                "importance": 0.1 / (rank + 1),
                "importance_std": 0.001,
                "importance_rank": rank + 1,
            }
            for model, method in [
                ("reference_rf", "impurity"),
                ("best", "permutation"),
                ("best", "shap_mean_abs"),
            ]
            for rank, feature in enumerate(FEATURES)
        ]
    )
    shap_points = pd.DataFrame(
        {
            "feature": ["album_mean_popularity", "loudness", "tempo"],
            "shap_value": [-0.151, 1.2, 0.03],
            "feature_value": [34.11, -6.1, 120.0],
            "value_percentile": [0.386, 0.7, 0.5],
        }
    )
    pdp = pd.DataFrame(
        [
            {
                "scenario": scenario,
                "feature": feature,
                "grid_value": grid,
                "mean_prediction": 33.0 + grid,
            }
            for scenario in SCENARIOS
            for feature in FEATURES
            for grid in (0.1, 0.5, 0.9)
        ]
    )
    bins = pd.DataFrame(
        [
            {
                "scenario": scenario,
                "actual_bin": actual,
                "predicted_bin": predicted,
                "track_count": 10 + int(actual + predicted),
            }
            for scenario in SCENARIOS
            for actual in (0.0, 5.0)
            for predicted in (0.0, 5.0)
        ]
    )
    errors = pd.DataFrame(
        [
            {
                "scenario": scenario,
                "taxonomy": "playlist_genre",
                "genre": genre,
                "track_count": 5000,
                "mae": 14.47,
                "bias": -1.27,
                "mean_actual": 45.7,
            }
            for scenario in SCENARIOS
            for genre in PLAYLIST_GENRES
        ]
    )
    headline = pd.DataFrame(
        [
            {
                "task": task,
                "scenario": scenario,
                "metric": metric,
                "model": model,
                "mean_value": 0.5,
                "std_value": np.nan if model == "baseline" else 0.01,
                "higher_is_better": True,
            }
            for task, metric in [("playlist_genre", "accuracy"), ("popularity", "r2")]
            for scenario in SCENARIOS
            for model in charts.MODEL_ORDER
        ]
    )
    confusion = pd.DataFrame(
        [
            {
                "scenario": scenario,
                "actual_genre": actual,
                "predicted_genre": predicted,
                "track_count": 100,
                "share_of_actual": 0.8 if actual == predicted else 0.1,
            }
            for scenario in SCENARIOS
            for actual in PLAYLIST_GENRES
            for predicted in PLAYLIST_GENRES
        ]
    )
    reasons = pd.DataFrame(
        {
            "source_name": ["tidytuesday.playlist_tracks", "incoming.new_tracks"],
            "rule_code": ["missing_name", "out_of_range"],
            "column_name": ["album_name", "danceability"],
            "reason": ["missing_name:album_name", "out_of_range:danceability"],
            "rule_description": ["A name is empty.", "A value is outside its range."],
            "row_count": [5, 1],
            "example_rows": ["8152, 9283", "8"],
        }
    )
    correlations = pd.DataFrame(
        {
            "feature": ["instrumentalness", "loudness", "energy"],
            "pearson_r": [-0.131, 0.057, -0.7],
            "pair_count": [116128] * 3,
        }
    )
    # discover/map_sample, discover/cluster_choice, discover/recommender_metrics
    map_sample = pd.DataFrame(
        {
            "x": [0.1, -1.2, 2.3],
            "y": [0.5, 0.0, -0.7],
            "cluster": [0, 1, 1],
            "cluster_name": ["happy, danceable", "acoustic, calm", "acoustic, calm"],
            "track_name": ["A", HOSTILE, "C"],
            "primary_artist_name": ["X", "Y", "Z"],
            "track_genres": ["pop", None, "acoustic, folk"],
        }
    )
    k_scores = pd.DataFrame(
        {
            "run_id": "r",
            "k": [4, 5, 6],
            "silhouette": [0.15, 0.16, 0.155],
            "inertia": [9e5, 8e5, 7.5e5],
            "is_chosen": [False, True, False],
        }
    )
    recommender_metrics = pd.DataFrame(
        {
            "run_id": "r",
            "segment": "all",
            "method": ["random", "hybrid", "random", "hybrid"],
            "metric": ["precision@10", "precision@10", "ndcg@10", "ndcg@10"],
            "value": [0.0, 0.02, 0.0, 0.025],
            "lower_95": [0.0, 0.015, 0.0, 0.019],
            "upper_95": [0.0, 0.025, 0.0, 0.031],
            "playlist_count": 468,
        }
    )
    reranker_importance = pd.DataFrame(
        {"feature": ["album_coverage", "artist_matches"], "gain_share": [0.7, 0.3]}
    )
    critical = insights.critical_t(20)
    return {
        "popularity_bars": (leaderboard, charts.popularity_bars),
        "feature_heatmap": (profiles, charts.feature_heatmap),
        "popularity_boxes": (distribution, charts.popularity_boxes),
        "loudness_energy_scatter": (sample, charts.loudness_energy_scatter),
        "genre_profile_bars": (None, charts.genre_profile_bars),
        "yearly_feature_lines": (
            yearly,
            lambda frame: charts.yearly_feature_lines(frame, YEARLY_FEATURES),
        ),
        "popularity_by_year": (yearly, charts.popularity_by_year),
        "decade_bars": (decades, charts.decade_bars),
        "genre_share_area": (genre_share, charts.genre_share_area),
        "trend_strength": (trends, lambda frame: charts.trend_strength(frame, critical)),
        "importance_bars": (importance, charts.importance_bars),
        "shap_summary": (shap_points, charts.shap_summary),
        "partial_dependence_lines": (pdp, charts.partial_dependence_lines),
        "predicted_actual_heatmap": (bins, charts.predicted_actual_heatmap),
        "genre_error_bars": (errors, charts.genre_error_bars),
        "model_comparison": (headline, charts.model_comparison),
        "confusion_heatmap": (confusion, charts.confusion_heatmap),
        "reason_bars": (reasons, charts.reason_bars),
        "correlation_bars": (correlations, charts.correlation_bars),
        "cluster_map": (map_sample, charts.cluster_map),
        "cluster_choice": (k_scores, charts.cluster_choice),
        "recommender_bars": (recommender_metrics, charts.recommender_bars),
        "reranker_importance_bars": (reranker_importance, charts.reranker_importance_bars),
    }


def chart_builders() -> set[str]:
    """Every function in reports/charts.py that returns an Altair chart."""
    return {
        name
        for name, function in inspect.getmembers(charts, inspect.isfunction)
        if function.__module__ == charts.__name__
        and "alt." in str(inspect.signature(function).return_annotation)
    }


def test_every_chart_builder_is_tested() -> None:
    assert chart_builders() == set(chart_inputs())


def encoded_fields(node: Any) -> set[str]:
    """The data fields a Vega-Lite spec encodes (including sort fields), datasets excluded."""
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("field"), str):
            found.add(node["field"])
        for key, value in node.items():
            if key != "datasets":
                found |= encoded_fields(value)
    elif isinstance(node, list):
        for item in node:
            found |= encoded_fields(item)
    return found


def calculated_fields(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if "calculate" in node:
            found.add(node["as"])
        for key, value in node.items():
            if key != "datasets":
                found |= calculated_fields(value)
    elif isinstance(node, list):
        for item in node:
            found |= calculated_fields(item)
    return found


@pytest.mark.parametrize("name", sorted(chart_inputs()))
def test_chart_builds_a_valid_spec_whose_fields_exist(name: str) -> None:
    frame, build = chart_inputs()[name]
    chart = build() if frame is None else build(frame)
    assert isinstance(chart, alt.TopLevelMixin)
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert render.to_spec(name, chart, validate=True).spec == spec

    if frame is None:  # genre_profile_bars: each genre page supplies the named dataset
        assert spec["data"] == {"name": charts.PROFILE_DATA}
        records = charts.genre_profile_rows(
            chart_inputs()["feature_heatmap"][0].query("genre == 'pop'")
        )
    else:
        records = [row for rows in spec["datasets"].values() for row in rows]
    given = set(chart_inputs()["feature_heatmap"][0].columns if frame is None else frame.columns)
    columns = {key for row in records for key in row} | calculated_fields(spec)
    fields = encoded_fields(spec)
    assert fields, f"{name} encodes no field"
    # A tooltip or axis naming a column the query does not return shows up blank, silently.
    assert fields <= columns, f"{name} encodes missing fields {sorted(fields - columns)}"
    for field_name in fields - calculated_fields(spec):
        values = [row[field_name] for row in records if field_name in row]
        assert any(value is not None for value in values), f"{name}: {field_name} all null"
        if field_name not in given:  # a label the builder derives, e.g. by a mapping
            assert None not in values, f"{name}: {field_name} is null for some rows"
    # The spec must also survive the page's JSON embedding.
    assert json.loads(str(render.script_json(spec))) == spec


def test_genre_profile_rows_are_json_ready() -> None:
    profile = pd.DataFrame(
        {
            "taxonomy": ["playlist_genre"] * 3,
            "genre": ["r&b"] * 3,
            "feature": ["loudness", "tempo", "valence"],
            "genre_mean": [-6.5, np.nan, 0.6],
            "overall_mean": [-7.0, 120.0, 0.5],
            "z_score": [0.25, np.nan, 0.4],
        }
    )
    rows = charts.genre_profile_rows(profile)
    assert rows == [
        {
            "feature": "loudness",
            "genre_mean": -6.5,
            "overall_mean": -7.0,
            "z_score": 0.25,
            "feature_label": "loudness (dB)",
        },
        {
            "feature": "tempo",
            "genre_mean": None,
            "overall_mean": 120.0,
            "z_score": None,
            "feature_label": "tempo (BPM)",
        },
        {
            "feature": "valence",
            "genre_mean": 0.6,
            "overall_mean": 0.5,
            "z_score": 0.4,
            "feature_label": "valence",
        },
    ]
    # allow_nan=False: a NaN left in the rows would raise here
    assert json.loads(str(render.script_json(rows))) == rows


def test_track_names_in_chart_data_cannot_break_out_of_the_script() -> None:
    sample = pd.DataFrame(
        {
            "track_id": ["x1", "x2"],
            "track_name": ["</script><script>alert(1)</script>", "<!-- Rock & Roll -->"],
            "primary_artist_name": ["AC/DC & <b>friends</b>", "\u2028sep"],
            "energy": [0.5, 0.6],
            "loudness": [-5.0, -6.0],
            "popularity": [50, 60],
            "track_genres": ["rock", "pop"],
        }
    )
    spec = charts.loudness_energy_scatter(sample).to_dict()
    text = str(render.script_json(spec))
    assert not set(text) & set("<>&\u2028\u2029")
    names = {row["track_name"] for rows in json.loads(text)["datasets"].values() for row in rows}
    assert names == {"</script><script>alert(1)</script>", "<!-- Rock & Roll -->"}


@pytest.mark.parametrize(
    ("feature", "label"),
    [
        ("duration_sec", "duration (s)"),
        ("loudness", "loudness (dB)"),
        ("tempo", "tempo (BPM)"),
        ("album_mean_popularity", "album mean popularity"),
        ("valence", "valence"),
        ("track_genre:*", "listed track genres"),
        ("playlist_subgenre:album rock", "listed playlist subgenre: album rock"),
    ],
)
def test_feature_label(feature: str, label: str) -> None:
    assert charts.feature_label(feature) == label


def test_recommender_table_puts_each_interval_beside_its_mean() -> None:
    metrics = pd.DataFrame(
        {
            "segment": "all",
            "method": ["random", "random", "hybrid", "hybrid"],
            "metric": ["precision@10", "ndcg@10"] * 2,
            "value": [0.0, 0.0, 0.21, 0.27],
            "lower_95": [0.0, 0.0, 0.1876, np.nan],
            "upper_95": [0.0, 0.0, 0.2325, np.nan],
            "playlist_count": 468,
        }
    )
    wide = pages.with_intervals(metrics).set_index("method")
    assert list(wide.index) == ["random", "hybrid"]
    assert wide.loc["hybrid", "precision@10"] == 0.21
    assert wide.loc["hybrid", "precision@10 interval"] == "0.188 to 0.233"
    assert wide.loc["hybrid", "ndcg@10 interval"] == "none"
