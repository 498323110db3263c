"""One discovery run: every table of the Discovery feature from three DataFrames, kept in
the models folder by run id and reused while its inputs do not change.

`build_discovery` is pure (frames in, frames out); `run_discovery` is the I/O edge: it names
the run (input rows, settings, code, library and project versions: `artifacts.RunKey`, as
training does), reuses a complete run folder of that name or builds one
(<models dir>/discovery/<run id>/, `artifacts.reuse_or_make`). The dbt Python model
int_discovery_built calls `discovery_row`. The tables:

    track_clusters        track_id, cluster, distance_to_centre
    cluster_profiles      cluster, cluster_name, track_count, share, avg_<feature>...,
                          distinguishing_features, top_genres, top_playlist_genres
    cluster_k_scores      k, silhouette, inertia, is_chosen
    track_embedding_2d    track_id, method, x, y
    embedding_components  method, component, explained_variance_share, loading_<feature>...
    similar_tracks        track_id, rank, similar_track_id, distance
    recommender_holdout   playlist_id, track_id, is_held_out
    recommender_metrics   segment, method, metric, value, lower, upper, playlist_count
    recommender_tuning    method, setting, metric, value, playlist_count, is_chosen
    recommender_feature_importance   feature, gain
    playlist_recommendations         playlist_id, rank, track_id, score, reason,
                                     album_matches, artist_matches, cooccurrence, content
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from models_ml import artifacts
from models_ml.config import OverridableSettings
from models_ml.discovery.clusters import (
    AUDIO_COLUMNS,
    LOG_COLUMNS,
    audio_matrix,
    cluster_tracks,
    embed_2d,
    require_columns,
)
from models_ml.discovery.playlist_evaluation import (
    RERANKER_GRID,
    RecommenderProtocol,
    evaluate_recommenders,
    serve_playlists,
)
from models_ml.discovery.recommenders import CONTENT_SCORINGS, holdout_split
from models_ml.discovery.similarity import similar_tracks
from spotify_warehouse.progress import Emit, Progress, dbt_console, to_stderr

TRACK_COLUMNS: tuple[str, ...] = (
    "track_id",
    "track_name",
    "artist_names",
    "popularity",
    "album_key",
)
GENRE_COLUMNS: tuple[str, ...] = ("track_id", "taxonomy", "genre")
PLAYLIST_COLUMNS: tuple[str, ...] = ("playlist_id", "track_id")
ARTIST_COLUMNS: tuple[str, ...] = ("track_id", "artist_id")
#: Expected relative cost of each step (one k of the k-means scan, about 3 s on the real
#: data on 2 cores, is 1.0), for the time-left estimate of the progress lines only.
STEP_COSTS: dict[str, float] = {
    "k-means": 1.0,
    "map": 0.3,
    "similar tracks": 18.0,
    "recommenders": 9.0,
    "serving": 4.0,
}
#: Columns holding lists of text (cluster_profiles).
LIST_COLUMNS: tuple[str, ...] = ("distinguishing_features", "top_genres", "top_playlist_genres")


@dataclass(frozen=True)
class DiscoverySettings(OverridableSettings):
    """Knobs of one discovery run. Defaults are the documented protocol; tests shrink them."""

    settings_label: ClassVar[str] = "discovery"

    #: Seed of every random step (k-means, silhouette sample, hold-out, random recommender).
    seed: int = 20261121
    #: The audio space (`clusters.audio_matrix`): features, and those taken as log1p.
    audio_features: tuple[str, ...] = AUDIO_COLUMNS
    log_features: tuple[str, ...] = LOG_COLUMNS
    #: Numbers of clusters tried; the highest silhouette wins.
    k_values: tuple[int, ...] = tuple(range(4, 13))
    #: Tracks the silhouette is measured on (all pairwise distances: 10k is 100M pairs).
    silhouette_sample_size: int = 10_000
    #: k-means restarts per k. With 3 the silhouette curve was noisier on the catalog (one
    #: k scored 0.147 instead of 0.165) and another k won.
    kmeans_n_init: int = 10
    #: Features listed per cluster, and genres listed per cluster.
    n_distinguishing_features: int = 3
    n_top_genres: int = 3
    #: Similar tracks per track, and extra neighbours asked for to survive the same-song
    #: filter (rows that still fall short ask again).
    n_similar: int = 10
    neighbour_margin: int = 5
    #: Recommendations per playlist; the metrics are @ this k.
    n_recommendations: int = 10
    #: Share of each playlist's tracks held out, and the smallest playlist evaluated.
    holdout_share: float = 0.2
    holdout_min_tracks: int = 5
    #: Content scorings tried on the validation split (`recommenders.content_scores`).
    content_scorings: tuple[str, ...] = CONTENT_SCORINGS
    #: The hybrid: candidates taken from each signal, and the re-ranker's (max_iter,
    #: max_leaf_nodes) settings tried on the validation split (`reranker.fit_reranker`).
    n_candidates: int = 50
    reranker_grid: tuple[tuple[int, int], ...] = RERANKER_GRID
    #: Bootstrap resamples of the playlists behind each metric's interval (0: none).
    bootstrap_samples: int = 1000
    n_jobs: int = 2


def _checked_inputs(
    tracks: pd.DataFrame,
    genres: pd.DataFrame,
    playlists: pd.DataFrame,
    artists: pd.DataFrame,
    settings: DiscoverySettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """tracks sorted by id (so row order cannot change a result) and distinct playlist rows;
    errors name the input and what is wrong with it."""
    require_columns(tracks, [*TRACK_COLUMNS, *settings.audio_features], "tracks")
    require_columns(genres, GENRE_COLUMNS, "genres")
    require_columns(playlists, PLAYLIST_COLUMNS, "playlists")
    require_columns(artists, ARTIST_COLUMNS, "track_artists")
    if tracks["track_id"].isna().any():
        raise ValueError(f"tracks: {int(tracks['track_id'].isna().sum())} rows have no track_id")
    duplicated = tracks["track_id"].duplicated()
    if duplicated.any():
        examples = list(tracks.loc[duplicated, "track_id"].head(3))
        raise ValueError(f"tracks: track_id not unique ({int(duplicated.sum())}), e.g. {examples}")
    rows = playlists[list(PLAYLIST_COLUMNS)].dropna().drop_duplicates()
    outside = ~rows["track_id"].isin(tracks["track_id"])
    if outside.any():
        examples = list(rows.loc[outside, "track_id"].head(3))
        raise ValueError(
            f"playlists: {int(outside.sum())} rows name tracks missing from tracks, e.g. {examples}"
        )
    return tracks.sort_values("track_id", ignore_index=True), rows


def build_discovery(
    tracks: pd.DataFrame,
    genres: pd.DataFrame,
    playlists: pd.DataFrame,
    artists: pd.DataFrame,
    settings: DiscoverySettings | None = None,
    progress: Progress | None = None,
) -> dict[str, pd.DataFrame]:
    """Every discovery table (see the module docstring) from the three input frames.

    tracks: one row per track (track_id, track_name, artist_names, popularity, album_key and
    the audio features); genres: track_id, taxonomy, genre; playlists: playlist_id,
    track_id; artists: track_id, artist_id (every credited artist).
    Deterministic: the same frames and settings give the same tables, in any row order.
    `progress` hears of each step (`plan` counts them).
    """
    settings = settings or DiscoverySettings()

    def done(label: str, step: str) -> None:
        if progress is not None:
            progress.advance(label, weight=STEP_COSTS[step])

    tracks, playlist_rows = _checked_inputs(tracks, genres, playlists, artists, settings)
    artists = artists[list(ARTIST_COLUMNS)].dropna().drop_duplicates()
    matrix, feature_names = audio_matrix(tracks, settings.audio_features, settings.log_features)
    tables = cluster_tracks(
        tracks,
        matrix,
        feature_names,
        genres,
        k_values=settings.k_values,
        sample_size=settings.silhouette_sample_size,
        seed=settings.seed,
        n_init=settings.kmeans_n_init,
        n_distinguishing=settings.n_distinguishing_features,
        n_top_genres=settings.n_top_genres,
        on_k=lambda k: done(f"k-means k={k}", "k-means"),
    )
    embedding, components = embed_2d(tracks, matrix, feature_names, settings.seed)
    tables["track_embedding_2d"] = embedding
    tables["embedding_components"] = components
    done("2-D map", "map")
    tables["similar_tracks"] = similar_tracks(
        tracks, matrix, settings.n_similar, settings.neighbour_margin, settings.n_jobs
    )
    done("similar tracks", "similar tracks")
    holdout = holdout_split(
        playlist_rows, settings.holdout_share, settings.holdout_min_tracks, settings.seed
    )
    protocol = RecommenderProtocol(
        scorings=settings.content_scorings,
        grid=settings.reranker_grid,
        n_candidates=settings.n_candidates,
        n_recommendations=settings.n_recommendations,
        bootstrap_samples=settings.bootstrap_samples,
        seed=settings.seed,
        share=settings.holdout_share,
        min_tracks=settings.holdout_min_tracks,
    )
    evaluation = evaluate_recommenders(holdout, tracks, matrix, artists, protocol)
    done("recommenders tuned and evaluated", "recommenders")
    tables["recommender_holdout"] = holdout
    for name in ("recommender_metrics", "recommender_tuning", "recommender_feature_importance"):
        tables[name] = evaluation[name]
    tables["playlist_recommendations"] = serve_playlists(
        playlist_rows,
        tracks,
        matrix,
        artists,
        evaluation["reranker"],
        evaluation["content_scoring"],
        settings.n_candidates,
        settings.n_recommendations,
    )
    done("playlists served", "serving")
    return tables


def _select_with_types(frame: pd.DataFrame) -> str:
    """`select *`, with the list-of-text columns cast to VARCHAR[]: DuckDB infers a column of
    only empty lists (a taxonomy no track carries) as NULL[], which readers cannot use."""
    casts = [
        f'cast("{column}" as varchar[]) as "{column}"'
        for column in LIST_COLUMNS
        if column in frame.columns
    ]
    return f"select * replace ({', '.join(casts)}) from frame" if casts else "select * from frame"


def plan(settings: DiscoverySettings) -> tuple[int, float]:
    """Steps of a discovery run and their expected cost (for the time-left estimate)."""
    steps = [
        *["k-means"] * len(settings.k_values),
        "map",
        "similar tracks",
        "recommenders",
        "serving",
    ]
    return len(steps), sum(STEP_COSTS[step] for step in steps)


def run_discovery(
    tracks: pd.DataFrame,
    genres: pd.DataFrame,
    playlists: pd.DataFrame,
    artists: pd.DataFrame,
    settings: DiscoverySettings,
    models_root: Path,
    force: bool = False,
    emit: Emit = to_stderr,
) -> dict[str, object]:
    """Reuse the discovery run of these inputs if its folder is complete, else build and
    save it (`artifacts.reuse_or_make`); return int_discovery_built's row.

    force: build even if a complete folder exists (the ml_refresh var, --full-refresh).
    """
    started = time.perf_counter()
    tracks = tracks.sort_values("track_id", ignore_index=True)
    genres = genres.sort_values(list(GENRE_COLUMNS), ignore_index=True)
    playlists = playlists.sort_values(list(PLAYLIST_COLUMNS), ignore_index=True)
    artists = artists.sort_values(list(ARTIST_COLUMNS), ignore_index=True)
    key = artifacts.RunKey.current(
        artifacts.DISCOVERY,
        artifacts.data_fingerprint(tracks, genres, playlists, artists),
        settings.digest(),
    )
    units, weight = plan(settings)
    progress = Progress("discovery", units, weight, emit=emit)

    def make() -> tuple[dict[str, Any], Callable[[Path], None]]:
        created_at = artifacts.now_utc()
        tables = build_discovery(tracks, genres, playlists, artists, settings, progress)
        tagged = {name: frame.assign(run_id=key.run_id) for name, frame in tables.items()}
        info = {
            "created_at": created_at,
            "settings": settings.as_json(),
            "n_tracks": len(tracks),
            "n_playlist_rows": len(playlists),
            "seconds": {"build": time.perf_counter() - started, "steps": dict(progress.steps)},
        }
        return info, lambda staging: artifacts.write_parquet(tagged, staging, _select_with_types)

    outcome = artifacts.reuse_or_make(models_root, key, force, progress, make)
    manifest = outcome.manifest
    return {
        "run_id": manifest["run_id"],
        "data_fingerprint": manifest["data_fingerprint"],
        "built_at": manifest["created_at"],
        "n_tracks": manifest["n_tracks"],
        "n_playlist_rows": manifest["n_playlist_rows"],
        "settings": manifest["settings"],
        "run_folder": str(outcome.folder),
        "is_reused": outcome.reused,
        "run_seconds": manifest["seconds"]["build"],
        "build_seconds": time.perf_counter() - started,
    }


def discovery_row(
    tracks: pd.DataFrame,
    features: pd.DataFrame,
    genres: pd.DataFrame,
    playlists: pd.DataFrame,
    artists: pd.DataFrame,
    options: artifacts.BuildOptions,
) -> pd.DataFrame:
    """int_discovery_built: the discovery run of this build's marts (reused or built).

    tracks: dim_tracks; features: fct_track_features; genres: bridge_track_genres;
    playlists: bridge_playlist_tracks; artists: bridge_track_artists (extra columns are
    ignored).
    """
    settings = DiscoverySettings.from_overrides(options.overrides)
    catalog = tracks[list(TRACK_COLUMNS)].merge(
        features[["track_id", *settings.audio_features]], on="track_id"
    )
    summary = run_discovery(
        catalog,
        genres[list(GENRE_COLUMNS)],
        playlists[list(PLAYLIST_COLUMNS)],
        artists[list(ARTIST_COLUMNS)],
        settings,
        options.models_root,
        options.force,
        emit=dbt_console,
    )
    return pd.DataFrame([summary])
