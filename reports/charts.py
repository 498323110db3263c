"""Altair charts of the report pages: pure functions from a query's DataFrame to a chart.

Each function takes the rows a report query returned (already aggregated in SQL) and only
decides how to draw them. Every mark carries a tooltip so a reader can read exact values.
The charts render in the browser with Vega-Embed, whose JavaScript the page inlines.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# The report queries aggregate in SQL, but a few charts still carry a few thousand rows.
alt.data_transformers.disable_max_rows()

SCENARIO_TITLES = {
    "catalog": "catalog (known artists)",
    "cold_start": "cold start (new artists)",
    "new_track": "new track (audio only)",
}
MODEL_ORDER = ["baseline", "reference_rf", "best", "browser_mlp", "audio_only"]
MODEL_TITLES = {
    "baseline": "baseline",
    "reference_rf": "reference RF",
    "best": "best model",
    "browser_mlp": "browser MLP",
    "audio_only": "audio only",
}
FEATURE_LABELS = {
    "duration_sec": "duration (s)",
    "loudness": "loudness (dB)",
    "tempo": "tempo (BPM)",
}


def feature_label(feature: str) -> str:
    """A reader-facing name for a feature or measure column.

    Genre one-hot columns read as listings: `track_genre:pop` is "listed track genre: pop",
    and a block shuffled as one feature (`track_genre:*`) is "listed track genres".
    """
    block, one_hot, genre = feature.partition(":")
    if one_hot:
        taxonomy = block.replace("_", " ")
        return f"listed {taxonomy}s" if genre == "*" else f"listed {taxonomy}: {genre}"
    return FEATURE_LABELS.get(feature, feature.replace("_", " "))


def popularity_bars(leaderboard: pd.DataFrame, height_per_genre: int = 14) -> alt.Chart:
    """Mean popularity per genre, most popular first (the genre-vs-popularity view)."""
    rows = leaderboard.assign(hit_pct=leaderboard["hit_share"] * 100)
    return (
        alt.Chart(rows)
        .mark_bar()
        .encode(
            x=alt.X("avg_popularity:Q", title="mean popularity (0-100)"),
            y=alt.Y("genre:N", sort="-x", title=None),
            color=alt.Color("hit_share:Q", title="hit share", scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("genre:N"),
                alt.Tooltip("popularity_rank:Q", title="rank"),
                alt.Tooltip("avg_popularity:Q", title="mean popularity", format=".1f"),
                alt.Tooltip("median_popularity:Q", title="median", format=".1f"),
                alt.Tooltip("track_count:Q", title="tracks", format=","),
                alt.Tooltip("hit_pct:Q", title="hits (%)", format=".1f"),
            ],
        )
        .properties(width=520, height=max(120, height_per_genre * len(rows)))
    )


def feature_heatmap(profiles: pd.DataFrame) -> alt.Chart:
    """Genre x feature: how far each genre's mean sits from the all-track mean, in SDs."""
    rows = profiles.assign(feature_label=profiles["feature"].map(feature_label))
    genre_count = rows["genre"].nunique()
    return (
        alt.Chart(rows)
        .mark_rect()
        .encode(
            x=alt.X("feature_label:N", title=None, axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("genre:N", title=None),
            color=alt.Color(
                "z_score:Q",
                title="SDs from the mean",
                scale=alt.Scale(scheme="redblue", domain=[-2, 2], clamp=True, reverse=True),
            ),
            tooltip=[
                alt.Tooltip("genre:N"),
                alt.Tooltip("feature_label:N", title="feature"),
                alt.Tooltip("genre_mean:Q", title="genre mean", format=".3f"),
                alt.Tooltip("overall_mean:Q", title="all tracks", format=".3f"),
                alt.Tooltip("z_score:Q", title="SDs from the mean", format="+.2f"),
            ],
        )
        .properties(width=420, height=max(120, 14 * genre_count))
    )


def popularity_boxes(distribution: pd.DataFrame) -> alt.LayerChart:
    """Popularity spread per genre: 10th-90th percentile line, quartile box, median tick."""
    base = alt.Chart(distribution).encode(
        y=alt.Y("genre:N", sort=alt.EncodingSortField("median", order="descending"), title=None),
        tooltip=[
            alt.Tooltip("genre:N"),
            alt.Tooltip("track_count:Q", title="tracks", format=","),
            alt.Tooltip("p10:Q", format=".0f"),
            alt.Tooltip("p25:Q", format=".0f"),
            alt.Tooltip("median:Q", format=".0f"),
            alt.Tooltip("p75:Q", format=".0f"),
            alt.Tooltip("p90:Q", format=".0f"),
        ],
    )
    whisker = base.mark_rule(color="#8a8a8a").encode(
        x=alt.X("p10:Q", title="popularity (10th-90th percentile, quartiles, median)"),
        x2="p90:Q",
    )
    box = base.mark_bar(size=9, color="#7aa6d6").encode(x="p25:Q", x2="p75:Q")
    median = base.mark_tick(color="#1b3a5c", thickness=2, size=11).encode(x="median:Q")
    return (whisker + box + median).properties(
        width=520, height=max(120, 14 * distribution["genre"].nunique())
    )


def loudness_energy_scatter(sample: pd.DataFrame) -> alt.Chart:
    """Energy vs loudness for a fixed sample of tracks, coloured by popularity."""
    return (
        alt.Chart(sample)
        .mark_circle(size=18, opacity=0.6)
        .encode(
            x=alt.X("energy:Q", title="energy"),
            y=alt.Y("loudness:Q", title="loudness (dB)"),
            color=alt.Color("popularity:Q", scale=alt.Scale(scheme="viridis")),
            tooltip=[
                alt.Tooltip("track_name:N", title="track"),
                alt.Tooltip("primary_artist_name:N", title="artist"),
                alt.Tooltip("track_genres:N", title="genres"),
                alt.Tooltip("energy:Q", format=".3f"),
                alt.Tooltip("loudness:Q", format=".1f"),
                alt.Tooltip("popularity:Q"),
            ],
        )
        .properties(width=560, height=380)
    )


PROFILE_DATA = "genre_profile"


def genre_profile_rows(profile: pd.DataFrame) -> list[dict[str, object]]:
    """The rows `genre_profile_bars` draws, as JSON-ready records for one genre."""
    rows = profile[["feature", "genre_mean", "overall_mean", "z_score"]].assign(
        feature_label=profile["feature"].map(feature_label)
    )
    return rows.astype(object).where(rows.notna(), None).to_dict("records")


def genre_profile_bars() -> alt.Chart:
    """One genre's features against the catalog, in standard deviations from the mean.

    The data is a named dataset (`PROFILE_DATA`): the 144 genre pages share this one spec
    and each supplies its own rows (`genre_profile_rows`), which keeps the build fast.
    """
    return (
        alt.Chart(alt.Data(name=PROFILE_DATA))
        .mark_bar()
        .encode(
            x=alt.X("z_score:Q", title="standard deviations from the all-track mean"),
            y=alt.Y("feature_label:N", title=None, sort=None),
            color=alt.condition("datum.z_score >= 0", alt.value("#c0504d"), alt.value("#4f81bd")),
            tooltip=[
                alt.Tooltip("feature_label:N", title="feature"),
                alt.Tooltip("genre_mean:Q", title="genre mean", format=".3f"),
                alt.Tooltip("overall_mean:Q", title="all tracks", format=".3f"),
                alt.Tooltip("z_score:Q", title="SDs from the mean", format="+.2f"),
            ],
        )
        .properties(width=460, height=220)
    )


def yearly_feature_lines(yearly: pd.DataFrame, features: list[str]) -> alt.FacetChart:
    """Small multiples: each feature's yearly mean, with the year's track count on hover."""
    long = yearly.melt(
        id_vars=["release_year", "track_count"],
        value_vars=[f"avg_{feature}" for feature in features],
        var_name="measure",
        value_name="mean_value",
    )
    long["feature"] = long["measure"].str.removeprefix("avg_").map(feature_label)
    return (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=alt.X("release_year:Q", title="release year", axis=alt.Axis(format="d")),
            y=alt.Y("mean_value:Q", title=None, scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("feature:N"),
                alt.Tooltip("release_year:Q", title="year", format="d"),
                alt.Tooltip("mean_value:Q", title="mean", format=".3f"),
                alt.Tooltip("track_count:Q", title="tracks", format=","),
            ],
        )
        .properties(width=250, height=130)
        .facet(facet=alt.Facet("feature:N", title=None), columns=3)
        .resolve_scale(y="independent")
    )


def popularity_by_year(yearly: pd.DataFrame) -> alt.Chart:
    """Mean popularity of each release year's tracks; point size shows how many there are."""
    return (
        alt.Chart(yearly)
        .mark_line(point=True)
        .encode(
            x=alt.X("release_year:Q", title="release year", axis=alt.Axis(format="d")),
            y=alt.Y("avg_popularity:Q", title="mean popularity"),
            tooltip=[
                alt.Tooltip("release_year:Q", title="year", format="d"),
                alt.Tooltip("avg_popularity:Q", title="mean popularity", format=".1f"),
                alt.Tooltip("track_count:Q", title="tracks", format=","),
            ],
        )
        .properties(width=620, height=220)
    )


def decade_bars(decades: pd.DataFrame) -> alt.Chart:
    """Mean popularity per decade of release."""
    rows = decades.assign(decade=decades["release_decade"].astype(int).astype(str) + "s")
    return (
        alt.Chart(rows)
        .mark_bar()
        .encode(
            x=alt.X("decade:N", title=None, sort=None),
            y=alt.Y("avg_popularity:Q", title="mean popularity"),
            tooltip=[
                alt.Tooltip("decade:N"),
                alt.Tooltip("avg_popularity:Q", title="mean popularity", format=".1f"),
                alt.Tooltip("track_count:Q", title="tracks", format=","),
            ],
        )
        .properties(width=420, height=220)
    )


def genre_share_area(genre_share: pd.DataFrame) -> alt.Chart:
    """Each playlist genre's share of the year's tracks, stacked to 100 %."""
    return (
        alt.Chart(genre_share)
        .mark_area()
        .encode(
            x=alt.X("release_year:Q", title="release year", axis=alt.Axis(format="d")),
            y=alt.Y(
                "share_of_year:Q",
                title="share of the year's tracks",
                stack="normalize",
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("playlist_genre:N", title="playlist genre"),
            tooltip=[
                alt.Tooltip("release_year:Q", title="year", format="d"),
                alt.Tooltip("playlist_genre:N", title="genre"),
                alt.Tooltip("share_of_year:Q", title="share", format=".1%"),
                alt.Tooltip("track_count:Q", title="tracks", format=","),
            ],
        )
        .properties(width=620, height=260)
    )


def trend_strength(trends: pd.DataFrame, critical_t: float) -> alt.LayerChart:
    """Each measure's trend as a t statistic; the dashed lines mark the 95 % threshold."""
    rows = trends.dropna(subset=["t_statistic"]).assign(
        feature_label=lambda frame: frame["feature"].map(feature_label)
    )
    bars = (
        alt.Chart(rows)
        .mark_bar()
        .encode(
            x=alt.X("t_statistic:Q", title="trend / standard error (t)"),
            y=alt.Y("feature_label:N", sort="-x", title=None),
            color=alt.condition(
                "datum.t_statistic >= 0", alt.value("#c0504d"), alt.value("#4f81bd")
            ),
            tooltip=[
                alt.Tooltip("feature_label:N", title="measure"),
                alt.Tooltip("slope_per_decade:Q", title="change per decade", format="+.3f"),
                alt.Tooltip("slope_std_error_per_decade:Q", title="standard error", format=".3f"),
                alt.Tooltip("t_statistic:Q", title="t", format="+.2f"),
                alt.Tooltip("year_count:Q", title="years"),
            ],
        )
    )
    threshold = pd.DataFrame({"t": [-critical_t, critical_t]})
    rules = alt.Chart(threshold).mark_rule(strokeDash=[4, 4], color="#555").encode(x="t:Q")
    return (bars + rules).properties(width=460, height=max(120, 22 * len(rows)))


def importance_bars(importance: pd.DataFrame) -> alt.FacetChart:
    """Feature importance per method (one panel each), most important on top."""
    rows = importance.assign(
        feature_label=importance["feature"].map(feature_label),
        method_label=importance["method"].map(
            {
                "impurity": "impurity (reference RF)",
                "permutation": "permutation: R² lost (best)",
                "shap_mean_abs": "mean |SHAP| (best)",
            }
        ),
    )
    return (
        alt.Chart(rows)
        .mark_bar()
        .encode(
            x=alt.X("importance:Q", title=None),
            y=alt.Y("feature_label:N", sort="-x", title=None),
            tooltip=[
                alt.Tooltip("feature_label:N", title="feature"),
                alt.Tooltip("method_label:N", title="method"),
                alt.Tooltip("importance:Q", format=".4f"),
                alt.Tooltip("importance_std:Q", title="std over folds", format=".4f"),
                alt.Tooltip("importance_rank:Q", title="rank"),
            ],
        )
        .properties(width=200, height=max(120, 16 * rows["feature"].nunique()))
        .facet(column=alt.Column("method_label:N", title=None))
        .resolve_scale(x="independent", y="independent")
    )


def shap_summary(points: pd.DataFrame) -> alt.Chart:
    """SHAP beeswarm: each dot a held-out track, coloured by its feature value's percentile."""
    rows = points.assign(feature_label=points["feature"].map(feature_label))
    return (
        alt.Chart(rows)
        .mark_circle(size=10, opacity=0.6)
        .encode(
            x=alt.X("shap_value:Q", title="effect on predicted popularity (SHAP value)"),
            y=alt.Y("feature_label:N", title=None),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "value_percentile:Q",
                title="feature value (percentile)",
                scale=alt.Scale(scheme="plasma"),
            ),
            tooltip=[
                alt.Tooltip("feature_label:N", title="feature"),
                alt.Tooltip("feature_value:Q", title="value", format=".3f"),
                alt.Tooltip("shap_value:Q", title="SHAP", format="+.2f"),
            ],
        )
        .transform_calculate(jitter="random()")
        .properties(width=560, height=36 * max(1, rows["feature"].nunique()))
    )


def partial_dependence_lines(pdp: pd.DataFrame) -> alt.FacetChart:
    """Mean predicted popularity as one feature sweeps its range, per scenario."""
    rows = pdp.assign(
        feature_label=pdp["feature"].map(feature_label),
        scenario_label=pdp["scenario"].map(SCENARIO_TITLES),
    )
    return (
        alt.Chart(rows)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X("grid_value:Q", title=None, scale=alt.Scale(zero=False)),
            y=alt.Y("mean_prediction:Q", title="predicted popularity", scale=alt.Scale(zero=False)),
            color=alt.Color("scenario_label:N", title="scenario"),
            tooltip=[
                alt.Tooltip("feature_label:N", title="feature"),
                alt.Tooltip("scenario_label:N", title="scenario"),
                alt.Tooltip("grid_value:Q", title="value", format=".3f"),
                alt.Tooltip("mean_prediction:Q", title="predicted", format=".2f"),
            ],
        )
        .properties(width=200, height=120)
        .facet(facet=alt.Facet("feature_label:N", title=None), columns=3)
        .resolve_scale(x="independent")
    )


def predicted_actual_heatmap(bins: pd.DataFrame) -> alt.FacetChart:
    """Out-of-fold predicted vs actual popularity, tracks counted per 5-point cell."""
    rows = bins.assign(scenario_label=bins["scenario"].map(SCENARIO_TITLES))
    return (
        alt.Chart(rows)
        .mark_rect()
        .encode(
            x=alt.X("actual_bin:O", title="actual popularity"),
            y=alt.Y("predicted_bin:O", title="predicted popularity", sort="descending"),
            color=alt.Color(
                "track_count:Q", title="tracks", scale=alt.Scale(type="log", scheme="greens")
            ),
            tooltip=[
                alt.Tooltip("scenario_label:N", title="scenario"),
                alt.Tooltip("actual_bin:Q", title="actual from"),
                alt.Tooltip("predicted_bin:Q", title="predicted from"),
                alt.Tooltip("track_count:Q", title="tracks", format=","),
            ],
        )
        .properties(width=280, height=280)
        .facet(column=alt.Column("scenario_label:N", title=None))
    )


def genre_error_bars(errors: pd.DataFrame) -> alt.Chart:
    """Mean absolute error of the popularity model per genre and scenario."""
    rows = errors.assign(scenario_label=errors["scenario"].map(SCENARIO_TITLES))
    return (
        alt.Chart(rows)
        .mark_bar()
        .encode(
            x=alt.X("mae:Q", title="mean absolute error (popularity points)"),
            y=alt.Y("genre:N", title=None),
            yOffset=alt.YOffset("scenario_label:N"),
            color=alt.Color("scenario_label:N", title="scenario"),
            tooltip=[
                alt.Tooltip("genre:N"),
                alt.Tooltip("scenario_label:N", title="scenario"),
                alt.Tooltip("mae:Q", title="MAE", format=".2f"),
                alt.Tooltip("bias:Q", title="bias (pred - actual)", format="+.2f"),
                alt.Tooltip("track_count:Q", title="tracks", format=","),
            ],
        )
        .properties(width=480, height=max(120, 34 * rows["genre"].nunique()))
    )


def model_comparison(headline: pd.DataFrame) -> alt.LayerChart:
    """The headline metric per task and scenario, models side by side, with fold spread."""
    rows = headline.assign(
        panel=headline["task"] + " / " + headline["scenario"],
        model_label=headline["model"].map(MODEL_TITLES),
        low=headline["mean_value"] - headline["std_value"].fillna(0),
        high=headline["mean_value"] + headline["std_value"].fillna(0),
    )
    order = [MODEL_TITLES[model] for model in MODEL_ORDER]
    base = alt.Chart(rows).encode(
        y=alt.Y("panel:N", title=None),
        yOffset=alt.YOffset("model_label:N", sort=order),
    )
    bars = base.mark_bar().encode(
        x=alt.X("mean_value:Q", title="accuracy (genres) / R² (popularity), mean over folds"),
        color=alt.Color("model_label:N", title="model", sort=order),
        tooltip=[
            alt.Tooltip("panel:N", title="task / scenario"),
            alt.Tooltip("model_label:N", title="model"),
            alt.Tooltip("metric:N"),
            alt.Tooltip("mean_value:Q", title="mean", format=".3f"),
            alt.Tooltip("std_value:Q", title="std over folds", format=".3f"),
        ],
    )
    spread = base.mark_rule(color="#333").encode(x="low:Q", x2="high:Q")
    return (bars + spread).properties(width=520, height=max(120, 48 * rows["panel"].nunique()))


def confusion_heatmap(confusion: pd.DataFrame) -> alt.FacetChart:
    """Share of each actual genre's tracks per predicted genre, one panel per scenario."""
    rows = confusion.assign(scenario_label=confusion["scenario"].map(SCENARIO_TITLES))
    base = alt.Chart().encode(
        x=alt.X("predicted_genre:N", title="predicted"),
        y=alt.Y("actual_genre:N", title="actual"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share_of_actual:Q", title="share of actual", scale=alt.Scale(scheme="oranges")
        ),
        tooltip=[
            alt.Tooltip("scenario_label:N", title="scenario"),
            alt.Tooltip("actual_genre:N", title="actual"),
            alt.Tooltip("predicted_genre:N", title="predicted"),
            alt.Tooltip("track_count:Q", title="tracks", format=","),
            alt.Tooltip("share_of_actual:Q", title="share", format=".1%"),
        ],
    )
    labels = base.mark_text(fontSize=10).encode(
        text=alt.Text("share_of_actual:Q", format=".0%"),
        color=alt.condition("datum.share_of_actual > 0.5", alt.value("white"), alt.value("black")),
    )
    return (
        alt.layer(cells, labels, data=rows)
        .properties(width=260, height=260)
        .facet(column=alt.Column("scenario_label:N", title=None))
    )


def reason_bars(reasons: pd.DataFrame) -> alt.Chart:
    """Quarantined rows per reason and source."""
    return (
        alt.Chart(reasons)
        .mark_bar()
        .encode(
            x=alt.X("row_count:Q", title="rows"),
            y=alt.Y("reason:N", sort="-x", title=None),
            color=alt.Color("source_name:N", title="source"),
            tooltip=[
                alt.Tooltip("source_name:N", title="source"),
                alt.Tooltip("reason:N"),
                alt.Tooltip("rule_description:N", title="rule"),
                alt.Tooltip("row_count:Q", title="rows", format=","),
            ],
        )
        .properties(width=480, height=max(80, 22 * reasons["reason"].nunique()))
    )


def correlation_bars(correlations: pd.DataFrame) -> alt.Chart:
    """Pearson correlation of each audio feature with popularity."""
    rows = correlations.assign(feature_label=correlations["feature"].map(feature_label))
    return (
        alt.Chart(rows)
        .mark_bar()
        .encode(
            x=alt.X(
                "pearson_r:Q",
                title="correlation with popularity (Pearson r)",
                scale=alt.Scale(domain=[-0.5, 0.5], clamp=True),
            ),
            y=alt.Y("feature_label:N", sort="-x", title=None),
            color=alt.condition("datum.pearson_r >= 0", alt.value("#c0504d"), alt.value("#4f81bd")),
            tooltip=[
                alt.Tooltip("feature_label:N", title="feature"),
                alt.Tooltip("pearson_r:Q", title="r", format="+.3f"),
                alt.Tooltip("pair_count:Q", title="tracks", format=","),
            ],
        )
        .properties(width=420, height=max(100, 22 * len(rows)))
    )


def cluster_map(sample: pd.DataFrame) -> alt.Chart:
    """Tracks on the 2-D projection of their audio features, coloured by cluster."""
    return (
        alt.Chart(sample)
        .mark_circle(size=14, opacity=0.65)
        .encode(
            x=alt.X("x:Q", title="first principal component"),
            y=alt.Y("y:Q", title="second principal component"),
            color=alt.Color("cluster_name:N", title="cluster"),
            tooltip=[
                alt.Tooltip("track_name:N", title="track"),
                alt.Tooltip("primary_artist_name:N", title="artist"),
                alt.Tooltip("track_genres:N", title="genres"),
                alt.Tooltip("cluster_name:N", title="cluster"),
            ],
        )
        .properties(width=620, height=420)
    )


def cluster_choice(scores: pd.DataFrame) -> alt.LayerChart:
    """Silhouette score per number of clusters; the chosen k is marked."""
    line = (
        alt.Chart(scores)
        .mark_line(point=True)
        .encode(
            x=alt.X("k:O", title="number of clusters (k)"),
            y=alt.Y("silhouette:Q", title="silhouette (sample)", scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("k:O"),
                alt.Tooltip("silhouette:Q", format=".4f"),
                alt.Tooltip("inertia:Q", format=",.0f"),
            ],
        )
    )
    chosen = (
        alt.Chart(scores[scores["is_chosen"]])
        .mark_point(size=160, shape="diamond", filled=True, color="#c0504d")
        .encode(x="k:O", y="silhouette:Q", tooltip=[alt.Tooltip("k:O", title="chosen k")])
    )
    return (line + chosen).properties(width=360, height=200)


def recommender_bars(metrics: pd.DataFrame) -> alt.FacetChart:
    """Precision, recall and NDCG at 10 per recommender on the same hold-out, each with its
    95% bootstrap interval over playlists (the black line): two methods whose lines do not
    overlap differ by more than the luck of which playlists were evaluated."""
    tooltip = [
        alt.Tooltip("method:N"),
        alt.Tooltip("metric:N"),
        alt.Tooltip("value:Q", format=".4f"),
        alt.Tooltip("lower_95:Q", title="95% interval from", format=".4f"),
        alt.Tooltip("upper_95:Q", title="to", format=".4f"),
        alt.Tooltip("playlist_count:Q", title="playlists", format=","),
    ]
    y = alt.Y("method:N", title=None, sort=None)
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=None),
            y=y,
            color=alt.Color("method:N", legend=None),
            tooltip=tooltip,
        )
    )
    intervals = (
        alt.Chart()
        .mark_rule(color="black")
        .encode(x="lower_95:Q", x2="upper_95:Q", y=y, tooltip=tooltip)
    )
    return (
        alt.layer(bars, intervals, data=metrics)
        .properties(width=180, height=160)
        .facet(column=alt.Column("metric:N", title=None))
        .resolve_scale(x="independent")
    )


def reranker_importance_bars(importance: pd.DataFrame) -> alt.Chart:
    """The hybrid re-ranker's features by their share of the model's split gain."""
    return (
        alt.Chart(importance)
        .mark_bar()
        .encode(
            x=alt.X("gain_share:Q", title="share of the split gain", axis=alt.Axis(format="%")),
            y=alt.Y("feature:N", sort="-x", title=None),
            tooltip=[alt.Tooltip("feature:N"), alt.Tooltip("gain_share:Q", format=".1%")],
        )
        .properties(width=360, height=max(120, 16 * len(importance)))
    )
