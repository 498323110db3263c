"""What each report page shows: its queries, charts, tables and generated sentences.

One function per page (or family of pages). Each runs the page's SQL through the
`QueryRunner`, builds charts from the results, and returns `Page` objects for the renderer.
An empty or missing result becomes a "no data" note on the page, never an exception.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
from markupsafe import Markup

from reports import charts, insights
from reports.queries import QueryRunner
from reports.render import ChartSpec, NoData, Page, is_missing, slugify, static_text, to_spec

#: Top-level pages in navigation order: (file, title, dbt exposure name).
REPORTS: list[tuple[str, str, str]] = [
    ("index.html", "Overview", "report_overview"),
    ("genres.html", "Genres", "report_genres"),
    ("trends.html", "Trends", "report_trends"),
    ("drivers.html", "Popularity drivers", "report_popularity_drivers"),
    ("model.html", "Model card", "report_model_card"),
    ("quality.html", "Data quality", "report_data_quality"),
    ("insights.html", "Insights", "report_insights"),
    ("discover.html", "Discover", "report_discover"),
    ("try.html", "Try a track", "report_try_track"),
    ("tracks.html", "Track search", "report_track_search"),
]

#: Query folders each top-level page reads (drill-down pages read the genres queries).
PAGE_QUERY_FOLDERS: dict[str, tuple[str, ...]] = {
    "index.html": ("index",),
    "genres.html": ("genres",),
    "trends.html": ("trends",),
    "drivers.html": ("drivers",),
    "model.html": ("model",),
    "quality.html": ("quality",),
    "insights.html": ("insights", "index/model_kpis", "trends/feature_trends"),
    "discover.html": ("discover",),
    "try.html": ("try",),
    "tracks.html": ("tracks",),
}

TAXONOMIES = {
    "playlist_genre": "playlist genres (6)",
    "playlist_subgenre": "playlist subgenres (24)",
    "track_genre": "track genres (114)",
}
SCENARIOS = ["catalog", "cold_start", "new_track"]


class ChartBook:
    """Collects a page's charts; a chart whose data is empty becomes a `NoData` note."""

    def __init__(self, runner: QueryRunner, validate: bool) -> None:
        self.runner = runner
        self.validate = validate
        self.charts: dict[str, ChartSpec | NoData] = {}

    def add(
        self,
        name: str,
        frame: pd.DataFrame,
        build: Callable[[pd.DataFrame], alt.TopLevelMixin],
        query: str,
    ) -> None:
        if frame.empty:
            self.charts[name] = NoData(self.runner.problem(query) or "the query returned no rows.")
        else:
            self.charts[name] = to_spec(name, build(frame), self.validate)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as dicts for templates (NaN stays NaN; the `fmt` filter shows a dash)."""
    return frame.to_dict("records")


def table(runner: QueryRunner, frame: pd.DataFrame, query: str) -> dict[str, Any]:
    """Rows for a template table plus, when there are none, the reason to show instead."""
    reason = None if not frame.empty else (runner.problem(query) or "the query returned no rows.")
    return {"rows": records(frame), "no_data": reason, "query": query}


def genre_href(taxonomy: str, genre: str, slugs: dict[tuple[str, str], str]) -> str:
    return f"genres/{taxonomy}/{slugs[(taxonomy, genre)]}.html"


def assign_slugs(leaderboard: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Unique file names per taxonomy; genres whose slugs collide get a numeric suffix."""
    slugs: dict[tuple[str, str], str] = {}
    for taxonomy, genres in leaderboard.groupby("taxonomy", sort=True):
        used: set[str] = set()
        for genre in sorted(genres["genre"]):
            slug, suffix = slugify(genre), 2
            while slug in used:
                slug, suffix = f"{slugify(genre)}-{suffix}", suffix + 1
            used.add(slug)
            slugs[(str(taxonomy), genre)] = slug
    return slugs


def index_page(runner: QueryRunner, validate: bool) -> Page:
    catalog = runner("index/catalog_kpis")
    models = runner("index/model_kpis")
    build = runner("index/build_info")
    kpis = records(catalog)[0] if not catalog.empty else {}
    model_rows = records(models)
    context = {
        "kpis": kpis,
        "model_kpis": model_rows,
        "model_no_data": None if model_rows else runner.problem("index/model_kpis"),
        "build_row": records(build)[0] if not build.empty else {},
        "reports": REPORTS[1:],
    }
    return Page("index.html", "index.html", "Overview", context, queries=runner.take_log())


def genre_pages(runner: QueryRunner, validate: bool) -> list[Page]:
    """The genre report and one drill-down page per (taxonomy, genre)."""
    leaderboard = runner("genres/leaderboard")
    profiles = runner("genres/feature_profiles")
    distribution = runner("genres/popularity_distribution")
    sample = runner("genres/loudness_energy")
    correlation = runner("genres/energy_loudness_correlation")
    top_tracks = runner("genres/top_tracks")
    confused = runner("genres/confused_genres")
    nearest = runner("genres/nearest_genres")
    slugs = assign_slugs(leaderboard) if not leaderboard.empty else {}

    book = ChartBook(runner, validate)
    sections = []
    for taxonomy, title in TAXONOMIES.items():
        rows = (
            leaderboard[leaderboard["taxonomy"] == taxonomy]
            if not leaderboard.empty
            else leaderboard
        )
        rows = rows.assign(href=[genre_href(taxonomy, g, slugs) for g in rows.get("genre", [])])
        book.add(f"popularity-{taxonomy}", rows, charts.popularity_bars, "genres/leaderboard")
        book.add(
            f"profile-{taxonomy}",
            profiles[profiles["taxonomy"] == taxonomy] if not profiles.empty else profiles,
            charts.feature_heatmap,
            "genres/feature_profiles",
        )
        book.add(
            f"distribution-{taxonomy}",
            distribution[distribution["taxonomy"] == taxonomy]
            if not distribution.empty
            else distribution,
            charts.popularity_boxes,
            "genres/popularity_distribution",
        )
        sections.append(
            {
                "taxonomy": taxonomy,
                "title": title,
                "leaderboard": table(runner, rows, "genres/leaderboard"),
            }
        )
    book.add("loudness-energy", sample, charts.loudness_energy_scatter, "genres/loudness_energy")
    context = {
        "sections": sections,
        "sample_size": len(sample),
        "energy_loudness": records(correlation)[0] if not correlation.empty else None,
        "slugs": slugs,
    }
    report = Page("genres.html", "genres.html", "Genres", context, book.charts)

    profile_spec = to_spec("profile", charts.genre_profile_bars(), validate)
    details = [
        _genre_detail(
            runner,
            profile_spec,
            taxonomy,
            genre,
            slug,
            leaderboard,
            profiles,
            top_tracks,
            confused,
            nearest,
            slugs,
        )
        for (taxonomy, genre), slug in slugs.items()
    ]
    report.queries = runner.take_log()
    for detail in details:
        detail.queries = report.queries
    return [report, *details]


def _genre_detail(
    runner: QueryRunner,
    profile_spec: ChartSpec,
    taxonomy: str,
    genre: str,
    slug: str,
    leaderboard: pd.DataFrame,
    profiles: pd.DataFrame,
    top_tracks: pd.DataFrame,
    confused: pd.DataFrame,
    nearest: pd.DataFrame,
    slugs: dict[tuple[str, str], str],
) -> Page:
    def of_genre(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        return frame[(frame["taxonomy"] == taxonomy) & (frame["genre"] == genre)]

    profile = of_genre(profiles)
    chart: ChartSpec | NoData = (
        ChartSpec(
            "profile",
            {
                **profile_spec.spec,
                "datasets": {charts.PROFILE_DATA: charts.genre_profile_rows(profile)},
            },
        )
        if not profile.empty
        else NoData(runner.problem("genres/feature_profiles") or "the query returned no rows.")
    )
    summary = records(of_genre(leaderboard))[0]
    near = of_genre(nearest)
    near = near.assign(
        href=["../../" + genre_href(taxonomy, g, slugs) for g in near["other_genre"]]
    )
    mistakes = of_genre(confused)
    if not mistakes.empty:
        mistakes = mistakes.assign(
            href=["../../" + genre_href(taxonomy, g, slugs) for g in mistakes["predicted_genre"]]
        )
    has_model = taxonomy in ("track_genre", "playlist_genre")
    context = {
        "taxonomy": taxonomy,
        "taxonomy_title": TAXONOMIES[taxonomy],
        "genre": genre,
        "summary": summary,
        "genre_count": int((leaderboard["taxonomy"] == taxonomy).sum()),
        "top_tracks": table(runner, of_genre(top_tracks), "genres/top_tracks"),
        "confused": table(runner, mistakes, "genres/confused_genres"),
        "has_model": has_model,
        "nearest": table(runner, near, "genres/nearest_genres"),
    }
    path = f"genres/{taxonomy}/{slug}.html"
    return Page(path, "genre_detail.html", f"{genre} ({taxonomy})", context, {"profile": chart})


def trends_page(runner: QueryRunner, validate: bool) -> Page:
    yearly = runner("trends/yearly")
    decades = runner("trends/decades")
    genre_share = runner("trends/genre_share")
    trends = runner("trends/feature_trends")
    book = ChartBook(runner, validate)
    book.add("popularity-by-year", yearly, charts.popularity_by_year, "trends/yearly")
    # The features the yearly query selects, in its order (popularity has its own chart).
    features = [
        column.removeprefix("avg_")
        for column in yearly.columns
        if column.startswith("avg_") and column != "avg_popularity"
    ]
    book.add(
        "features-by-year",
        yearly,
        lambda frame: charts.yearly_feature_lines(frame, features),
        "trends/yearly",
    )
    book.add("popularity-by-decade", decades, charts.decade_bars, "trends/decades")
    book.add("genre-share", genre_share, charts.genre_share_area, "trends/genre_share")
    critical = insights.critical_t(int(trends["year_count"].max())) if not trends.empty else 0.0
    book.add(
        "trend-strength",
        trends,
        lambda frame: charts.trend_strength(frame, critical),
        "trends/feature_trends",
    )
    trend_rows = (
        trends.assign(
            feature_label=trends.get("feature", pd.Series(dtype=str)).map(charts.feature_label),
            sentence=[insights.describe_trend(row) for _, row in trends.iterrows()],
            margin=[
                insights.critical_t(int(n)) * se if pd.notna(se) else float("nan")
                for n, se in zip(
                    trends.get("year_count", []),
                    trends.get("slope_std_error_per_decade", []),
                    strict=True,
                )
            ],
        )
        if not trends.empty
        else trends
    )
    context = {
        "decades": table(runner, decades, "trends/decades"),
        "trends": table(runner, trend_rows, "trends/feature_trends"),
        "critical_t": critical,
        "year_span": (
            (int(yearly["release_year"].min()), int(yearly["release_year"].max()))
            if not yearly.empty
            else None
        ),
    }
    return Page("trends.html", "trends.html", "Trends", context, book.charts, runner.take_log())


def drivers_page(runner: QueryRunner, validate: bool) -> Page:
    importance = runner("drivers/importance")
    shap_points = runner("drivers/shap_points")
    pdp = runner("drivers/partial_dependence")
    bins = runner("drivers/predicted_vs_actual")
    metrics = runner("drivers/popularity_metrics")
    errors = runner("drivers/genre_error")
    book = ChartBook(runner, validate)
    for scenario in SCENARIOS:
        rows = (
            importance[importance["scenario"] == scenario] if not importance.empty else importance
        )
        book.add(f"importance-{scenario}", rows, charts.importance_bars, "drivers/importance")
    book.add("shap-summary", shap_points, charts.shap_summary, "drivers/shap_points")
    book.add(
        "partial-dependence", pdp, charts.partial_dependence_lines, "drivers/partial_dependence"
    )
    book.add(
        "predicted-vs-actual", bins, charts.predicted_actual_heatmap, "drivers/predicted_vs_actual"
    )
    playlist_errors = errors[errors["taxonomy"] == "playlist_genre"] if not errors.empty else errors
    book.add("genre-error", playlist_errors, charts.genre_error_bars, "drivers/genre_error")
    track_errors = errors[errors["taxonomy"] == "track_genre"] if not errors.empty else errors
    context = {
        "metrics": table(runner, metrics, "drivers/popularity_metrics"),
        "track_genre_errors": table(runner, track_errors, "drivers/genre_error"),
    }
    return Page(
        "drivers.html",
        "drivers.html",
        "Popularity drivers",
        context,
        book.charts,
        runner.take_log(),
    )


def model_page(runner: QueryRunner, validate: bool) -> Page:
    metrics = runner("model/metrics")
    runs = runner("model/runs")
    class_metrics = runner("model/class_metrics")
    confusion = runner("model/confusion_playlist_genre")
    pairs = runner("model/confused_pairs")
    folds = runner("model/folds")
    shared = runner("model/shared_artists")
    book = ChartBook(runner, validate)
    headline = metrics[metrics["metric"].isin(["accuracy", "r2"])] if not metrics.empty else metrics
    book.add("model-comparison", headline, charts.model_comparison, "model/metrics")
    book.add(
        "confusion-playlist-genre",
        confusion,
        charts.confusion_heatmap,
        "model/confusion_playlist_genre",
    )
    comparison = (
        metrics.pivot_table(
            index=["task", "scenario", "metric"],
            columns="model",
            values="mean_value",
            aggfunc="first",
        )
        # Every model has its column, even where a run left one out (the browser model is
        # evaluated in cold start only).
        .reindex(columns=charts.MODEL_ORDER)
        .reset_index()
        if not metrics.empty
        else metrics
    )
    browser = runner("model/browser_models")
    first_run = records(runs)[0] if not runs.empty else None
    context = {
        "comparison": table(runner, comparison, "model/metrics"),
        "runs": table(runner, runs, "model/runs"),
        "class_metrics": table(runner, class_metrics, "model/class_metrics"),
        "pairs": table(runner, pairs, "model/confused_pairs"),
        "folds": table(runner, folds, "model/folds"),
        "shared": {row["scenario"]: row for row in records(shared)},
        "first_run": first_run,
        "browser": table(runner, browser_quality(metrics, browser), "model/browser_models"),
    }
    return Page("model.html", "model.html", "Model card", context, book.charts, runner.take_log())


def browser_quality(metrics: pd.DataFrame, browser: pd.DataFrame) -> pd.DataFrame:
    """One row per task for the model card's browser-model section: its two headline
    metrics in the new-track scenario (the cold-start folds, audio only) beside the other
    models', and its size."""
    if metrics.empty or browser.empty:
        return pd.DataFrame()
    cold = metrics[metrics["scenario"] == "new_track"]
    rows = []
    for model in records(browser):
        wanted = BROWSER_METRICS[model["task"]]
        for metric in wanted:
            values = cold[(cold["task"] == model["task"]) & (cold["metric"] == metric)]
            by_model = dict(zip(values["model"], values["mean_value"], strict=True))
            rows.append(
                {
                    "task": model["task"],
                    "anchor": f"browser-{model['task']}" if metric == wanted[0] else None,
                    "metric": metric,
                    **{name: by_model.get(name) for name in charts.MODEL_ORDER},
                    "hidden_layer_sizes": model["hidden_layer_sizes"],
                    "json_kb": model["json_bytes"] / 1000,
                }
            )
    return pd.DataFrame(rows)


def quality_page(runner: QueryRunner, validate: bool) -> Page:
    reconciliation = runner("quality/reconciliation")
    reasons = runner("quality/reasons")
    examples = runner("quality/examples")
    rules = runner("quality/rules")
    undetected = runner("quality/undetected")
    book = ChartBook(runner, validate)
    book.add("reasons", reasons, charts.reason_bars, "quality/reasons")
    context = {
        "reconciliation": table(runner, reconciliation, "quality/reconciliation"),
        "reasons": table(runner, reasons, "quality/reasons"),
        "examples": table(runner, examples, "quality/examples"),
        "rules": table(runner, rules, "quality/rules"),
        "undetected": records(undetected)[0] if not undetected.empty else None,
    }
    return Page(
        "quality.html", "quality.html", "Data quality", context, book.charts, runner.take_log()
    )


def insights_page(runner: QueryRunner, validate: bool) -> Page:
    genres = runner("insights/genre_popularity")
    separation = runner("insights/genre_separation")
    importance = runner("insights/model_importance")
    correlations = runner("insights/popularity_correlations")
    quality = runner("index/model_kpis")
    trends = runner("trends/feature_trends")
    book = ChartBook(runner, validate)
    book.add(
        "popularity-correlations",
        correlations,
        charts.correlation_bars,
        "insights/popularity_correlations",
    )
    found = [
        *insights.genre_popularity_insights(genres),
        *insights.genre_separation_insights(separation, importance, quality),
        *insights.popularity_correlation_insights(correlations, quality),
        *insights.trend_insights(trends),
    ]
    topics: dict[str, list[insights.Insight]] = {}
    for insight in found:
        topics.setdefault(insight.topic, []).append(insight)
    context = {"topics": topics}
    return Page(
        "insights.html", "insights.html", "Insights", context, book.charts, runner.take_log()
    )


def tracks_page(runner: QueryRunner, validate: bool, slugs: dict[tuple[str, str], str]) -> Page:
    tracks = runner("tracks/top_tracks")
    if not tracks.empty:
        tracks = tracks.assign(
            genres=[
                [
                    {
                        "label": f"{entry['genre']} #{entry['genre_rank']}",
                        "href": genre_href(entry["taxonomy"], entry["genre"], slugs)
                        if (entry["taxonomy"], entry["genre"]) in slugs
                        else None,
                    }
                    for entry in top_in
                ]
                for top_in in tracks["top_in"]
            ]
        )
    context = {"tracks": table(runner, tracks, "tracks/top_tracks")}
    return Page("tracks.html", "tracks.html", "Track search", context, queries=runner.take_log())


def with_intervals(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per (segment, method): each metric's mean, and "lower to upper" its 95%
    bootstrap interval, in the method order of the metrics table."""
    cells = metrics.assign(
        interval=[
            f"{lower:.3f} to {upper:.3f}" if pd.notna(lower) else "none"
            for lower, upper in zip(metrics["lower_95"], metrics["upper_95"], strict=True)
        ]
    )
    wide = cells.pivot_table(
        index=["segment", "method"],
        columns="metric",
        values=["value", "interval"],
        aggfunc="first",
        sort=False,
    )
    wide.columns = [
        metric if kind == "value" else f"{metric} interval" for kind, metric in wide.columns
    ]
    return wide.reset_index()


def discover_page(runner: QueryRunner, validate: bool) -> Page:
    """Clusters on the audio map, mood playlists, recommender evaluation, similar tracks."""
    sample = runner("discover/map_sample")
    axes = runner("discover/map_axes")
    profiles = runner("discover/cluster_profiles")
    choice = runner("discover/cluster_choice")
    moods = runner("discover/mood_playlists")
    metrics = runner("discover/recommender_metrics")
    tuning = runner("discover/recommender_tuning")
    importance = runner("discover/reranker_importance")
    examples = runner("discover/recommendation_examples")
    similar = runner("discover/similar_to_top_tracks")
    book = ChartBook(runner, validate)
    book.add("cluster-map", sample, charts.cluster_map, "discover/map_sample")
    book.add("cluster-choice", choice, charts.cluster_choice, "discover/cluster_choice")
    overall = metrics[metrics["segment"] == "all"] if not metrics.empty else metrics
    book.add("recommenders", overall, charts.recommender_bars, "discover/recommender_metrics")
    book.add(
        "reranker-importance",
        importance,
        charts.reranker_importance_bars,
        "discover/reranker_importance",
    )
    evaluation = with_intervals(metrics) if not metrics.empty else metrics
    chosen = choice[choice["is_chosen"]] if not choice.empty else choice
    context = {
        "profiles": table(runner, profiles, "discover/cluster_profiles"),
        "chosen_k": records(chosen)[0] if not chosen.empty else None,
        "moods": {mood: records(rows) for mood, rows in moods.groupby("mood", sort=True)}
        if not moods.empty
        else {},
        "moods_no_data": None if not moods.empty else runner.problem("discover/mood_playlists"),
        "evaluation": table(runner, evaluation, "discover/recommender_metrics"),
        "tuning": records(tuning),
        "examples": table(runner, examples, "discover/recommendation_examples"),
        "playlist_count": int(metrics["playlist_count"].max()) if not metrics.empty else None,
        "similar": table(runner, similar, "discover/similar_to_top_tracks"),
        "axes": dict(
            zip(axes.get("component", []), axes.get("explained_variance_share", []), strict=True)
        ),
    }
    return Page(
        "discover.html", "discover.html", "Discover", context, book.charts, runner.take_log()
    )


#: The inputs of the "try a track" page: label, unit and step of each browser-model feature.
TRY_INPUTS: dict[str, tuple[str, str, float]] = {
    "danceability": ("Danceability", "0 to 1", 0.01),
    "energy": ("Energy", "0 to 1", 0.01),
    "key": ("Key", "pitch class, 0 = C, 11 = B", 1),
    "loudness": ("Loudness", "dB", 0.1),
    "mode": ("Mode", "0 minor, 1 major", 1),
    "speechiness": ("Speechiness", "0 to 1", 0.01),
    "acousticness": ("Acousticness", "0 to 1", 0.01),
    "instrumentalness": ("Instrumentalness", "0 to 1", 0.01),
    "liveness": ("Liveness", "0 to 1", 0.01),
    "valence": ("Valence", "0 to 1", 0.01),
    "tempo": ("Tempo", "beats per minute", 1),
    "time_signature": ("Time signature", "beats per bar", 1),
    "duration_sec": ("Duration", "seconds", 1),
    "is_explicit": ("Explicit", "0 no, 1 yes", 1),
}
#: The models try/model_quality compares, as its columns name them.
QUALITY_COLUMNS = ("browser_value", "best_value", "reference_value", "baseline_value")
#: Nearest catalog tracks the page lists.
TRY_NEIGHBOURS = 10
#: The metrics the model card quotes for each browser model, headline first.
BROWSER_METRICS: dict[str, tuple[str, ...]] = {
    "playlist_genre": ("accuracy", "top_5_accuracy"),
    "track_genre": ("accuracy", "top_5_accuracy"),
    "popularity": ("r2", "mae"),
}


def _significant(value: Any, digits: int = 6) -> Any:
    """A catalog value as the page stores it: 6 significant digits, None when missing."""
    if is_missing(value):
        return None
    return float(f"{float(value):.{digits}g}")


def try_page(runner: QueryRunner) -> Page:
    """Sliders for a track's features; the browser models' predictions, computed in the page.

    Everything the page's script needs is one JSON document: the models (ml.browser_models,
    as fitted), each input's range and default (the catalog's percentiles and median), the
    models' cold-start quality beside the best and reference models', and the tracks it can
    load or list as neighbours. The script is reports/static/try.js.
    """
    models = runner("try/browser_models")
    quality = runner("try/model_quality")
    ranges = runner("try/feature_ranges")
    tracks = runner("try/catalog_tracks")
    problem = next(
        (
            runner.problem(name) or "the query returned no rows."
            for name, frame in (
                ("try/browser_models", models),
                ("try/feature_ranges", ranges),
                ("try/catalog_tracks", tracks),
            )
            if frame.empty
        ),
        None,
    )
    context: dict[str, Any] = {"problem": problem}
    if problem is None:
        parsed = {row["task"]: json.loads(row["parameters_json"]) for row in records(models)}
        features = parsed["popularity"]["features"]
        by_feature = {row["feature"]: row for row in records(ranges)}
        inputs = [
            {
                "name": name,
                "label": TRY_INPUTS[name][0],
                "unit": TRY_INPUTS[name][1],
                "step": TRY_INPUTS[name][2],
                **{
                    key: _significant(by_feature[name][f"{key}_value"])
                    for key in ("min", "p01", "median", "p99", "max", "mean", "std")
                },
            }
            for name in features
        ]
        track_columns = ["track_id", "track_name", "artist_names", "popularity", "is_search_track"]
        context["data"] = {
            "inputs": inputs,
            "models": parsed,
            "quality": {
                task: {
                    row["metric"]: {
                        key.removesuffix("_value"): _significant(row[key], 4)
                        for key in (
                            "browser_value",
                            "best_value",
                            "reference_value",
                            "baseline_value",
                        )
                    }
                    for row in records(rows)
                }
                for task, rows in quality.groupby("task", sort=True)
            },
            "neighbours": TRY_NEIGHBOURS,
            "track_columns": [*track_columns, *features],
            "tracks": [
                [row[column] for column in track_columns]
                + [_significant(row[name]) for name in features]
                for row in records(tracks)
            ],
        }
        context["inputs"] = inputs
        context["models"] = records(models.drop(columns="parameters_json"))
    context["try_js"] = Markup(static_text("try.js"))
    return Page("try.html", "try.html", "Try a track", context, queries=runner.take_log())
