"""Sentences that state what the data says, written from query results, never typed in.

The public analyses this project replaces state their findings in prose ("pop is the most
popular genre", "energy and loudness go together"). Here each finding is a function of the
current query results, so when the data changes the sentence changes with it. Every
sentence records the queries it came from, so a reader can trace it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats

from reports.charts import feature_label
from reports.render import format_value

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Insight:
    """One generated sentence, the topic it answers, and the queries behind it."""

    topic: str
    text: str
    queries: tuple[str, ...]


def critical_t(year_count: int, confidence: float = CONFIDENCE) -> float:
    """Two-sided critical value of Student's t for a slope fitted on `year_count` points."""
    degrees_of_freedom = max(int(year_count) - 2, 1)
    return float(stats.t.ppf(0.5 + confidence / 2, degrees_of_freedom))


def number(value: float, digits: int = 3) -> str:
    """A value with `digits` significant digits, no scientific notation for report scales."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - magnitude, 0)
    return f"{value:,.{decimals}f}"


def sentence_case(text: str) -> str:
    """First letter upper-cased, the rest kept ("loudness (dB)" -> "Loudness (dB)")."""
    return text[:1].upper() + text[1:]


def correlation_strength(r: float) -> str:
    """Conventional words for |r| (Cohen's rough thresholds)."""
    size = abs(r)
    if size < 0.1:
        return "negligible"
    if size < 0.3:
        return "weak"
    if size < 0.5:
        return "moderate"
    return "strong"


def describe_trend(row: pd.Series) -> str:
    """One measure's trend over the window in words: direction, size per decade, uncertainty."""
    label = feature_label(str(row["feature"]))
    window = f"{int(row['window_start_year'])}-{int(row['window_end_year'])}"
    slope = row["slope_per_decade"]
    error = row["slope_std_error_per_decade"]
    if pd.isna(slope) or pd.isna(error):
        return f"{label}: too few release years in {window} to estimate a trend."
    margin = critical_t(int(row["year_count"])) * error
    change = f"{number(abs(slope))} per decade (± {number(margin, 2)}, {CONFIDENCE:.0%} interval)"
    if abs(slope) > margin:
        direction = "rose" if slope > 0 else "fell"
        return f"{label} {direction} by {change} over {window}."
    return (
        f"{label} shows no clear trend over {window}: {number(slope)} per decade, "
        f"within its uncertainty of ± {number(margin, 2)}."
    )


def genre_popularity_insights(genres: pd.DataFrame) -> list[Insight]:
    """Which genres are most and least popular, per taxonomy."""
    insights = []
    names = {"playlist_genre": "playlist genres", "track_genre": "track genres"}
    for taxonomy, title in names.items():
        ranked = genres[genres["taxonomy"] == taxonomy].sort_values("popularity_rank")
        if len(ranked) < 2:
            continue
        top = ranked.head(min(3, len(ranked) - 1))
        bottom = ranked.iloc[-1]
        leaders = ", ".join(
            f"{row.genre} ({row.avg_popularity:.1f})" for row in top.iloc[1:].itertuples()
        )
        catalog_mean = ranked["catalog_avg_popularity"].iloc[0]
        text = (
            f"Of the {len(ranked)} {title}, {top.iloc[0]['genre']} has the highest mean "
            f"popularity ({top.iloc[0]['avg_popularity']:.1f} of 100, against "
            f"{catalog_mean:.1f} for all tracks)"
            + (f", followed by {leaders}" if leaders else "")
            + f"; {bottom['genre']} has the lowest ({bottom['avg_popularity']:.1f})."
        )
        insights.append(Insight("popular genres", text, ("insights/genre_popularity",)))
    return insights


def genre_separation_insights(
    separation: pd.DataFrame, importance: pd.DataFrame, quality: pd.DataFrame
) -> list[Insight]:
    """Which audio features set the playlist genres apart, by effect size and by the model."""
    insights = []
    if not separation.empty:
        ranked = separation.sort_values("eta_squared", ascending=False)
        first = ranked.iloc[0]
        others = ", ".join(
            f"{feature_label(row.feature)} ({row.eta_squared:.0%})"
            for row in ranked.iloc[1:3].itertuples()
        )
        text = (
            f"{sentence_case(feature_label(first['feature']))} separates the playlist genres most: "
            f"{first['eta_squared']:.0%} of its variance lies between the genre means "
            f"({first['highest_genre']} highest at {number(first['highest_mean'])}, "
            f"{first['lowest_genre']} lowest at {number(first['lowest_mean'])})"
            + (f"; next come {others}." if others else ".")
        )
        insights.append(Insight("what separates genres", text, ("insights/genre_separation",)))
    cold = (
        quality[(quality["task"] == "playlist_genre") & (quality["scenario"] == "cold_start")]
        if not quality.empty
        else quality
    )
    if not cold.empty and not importance.empty:
        row = cold.iloc[0]
        top = ", ".join(feature_label(feature) for feature in importance.head(3)["feature"])
        text = (
            f"From audio features alone, the best model puts {row['best_value']:.1%} of tracks by "
            f"artists it never saw in the right playlist genre (guessing the most common genre: "
            f"{row['baseline_value']:.1%}); it leans most on {top}."
        )
        insights.append(
            Insight(
                "what separates genres",
                text,
                ("index/model_kpis", "insights/model_importance"),
            )
        )
    return insights


def popularity_correlation_insights(
    correlations: pd.DataFrame, quality: pd.DataFrame
) -> list[Insight]:
    """What goes with popularity, and how far audio features can predict it."""
    insights = []
    if not correlations.empty:
        ranked = correlations.assign(size=correlations["pearson_r"].abs()).sort_values(
            "size", ascending=False
        )
        first = ranked.iloc[0]
        second = ranked.iloc[1] if len(ranked) > 1 else None
        weak = int((ranked["size"] < 0.1).sum())
        text = (
            f"The audio feature most correlated with popularity is "
            f"{feature_label(first['feature'])} (r = {first['pearson_r']:+.2f}, "
            f"{correlation_strength(first['pearson_r'])})"
            + (
                f", then {feature_label(second['feature'])} (r = {second['pearson_r']:+.2f})"
                if second is not None
                else ""
            )
            + f"; {weak} of {len(ranked)} features have |r| below 0.1."
        )
        insights.append(
            Insight("what goes with popularity", text, ("insights/popularity_correlations",))
        )
    popularity = quality[quality["task"] == "popularity"] if not quality.empty else quality
    by_scenario = popularity.set_index("scenario") if not popularity.empty else popularity
    if {"catalog", "cold_start", "new_track"} <= set(by_scenario.index):
        text = (
            f"Popularity is hard to predict from the audio: for a new track, from its audio "
            f"alone, the best model explains R² = "
            f"{by_scenario.loc['new_track', 'best_value']:.2f} of the variance (the reference "
            f"forest {by_scenario.loc['new_track', 'reference_value']:.2f}); for a listed track "
            f"by an artist the model never saw, the catalog's structure and the track's genres "
            f"raise that to {by_scenario.loc['cold_start', 'best_value']:.2f}, and knowing the "
            f"artist's and album's other songs to "
            f"{by_scenario.loc['catalog', 'best_value']:.2f} (a constant guess scores "
            f"{format_value(by_scenario.loc['catalog', 'baseline_value'], 'num2')})."
        )
        insights.append(Insight("what goes with popularity", text, ("index/model_kpis",)))
    return insights


def trend_insights(trends: pd.DataFrame) -> list[Insight]:
    """How the audio features and popularity moved over the last two decades."""
    if trends.empty:
        return []
    fitted = trends.dropna(subset=["t_statistic"]).copy()
    if fitted.empty:
        return [Insight("trends", describe_trend(trends.iloc[0]), ("trends/feature_trends",))]
    fitted["critical"] = fitted["year_count"].map(critical_t)
    clear = fitted[fitted["t_statistic"].abs() > fitted["critical"]].sort_values(
        "t_statistic", key=lambda t: t.abs(), ascending=False
    )
    flat = fitted[fitted["t_statistic"].abs() <= fitted["critical"]]
    insights = [
        Insight("trends", describe_trend(row), ("trends/feature_trends",))
        for _, row in clear.head(4).iterrows()
    ]
    if not flat.empty:
        window = (
            f"{int(fitted['window_start_year'].iloc[0])}-{int(fitted['window_end_year'].iloc[0])}"
        )
        names = ", ".join(feature_label(feature) for feature in sorted(flat["feature"]))
        insights.append(
            Insight(
                "trends",
                f"No clear trend over {window} (change within its {CONFIDENCE:.0%} uncertainty) "
                f"for: {names}.",
                ("trends/feature_trends",),
            )
        )
    return insights
