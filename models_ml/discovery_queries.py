"""What `python -m models_ml recommend` asks the warehouse: tracks for a playlist, tracks like
a given track, or a mood playlist, from the built discovery tables
(ml.playlist_recommendations, ml.similar_tracks, marts.mart_mood_playlists).

Not to be confused with models_ml.discovery.recommenders, which builds and evaluates the
playlist recommenders during `dbt build`; this module only reads what the build published.

It reads the built warehouse read-only and answers in the terminal, so an analyst or a
curator can ask without SQL. Unknown playlist ids, track ids and moods are errors that say
what exists.
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb
import pandas as pd

from spotify_warehouse.warehouse import connect_readonly


class RecommendationError(ValueError):
    """The request cannot be answered: unknown id or mood, or tables not built."""


NOT_BUILT = "{table} is not in the warehouse yet: build it with `make build` (or `dbt build`)."


def _query(
    connection: duckdb.DuckDBPyConnection, sql: str, table: str, parameters: list[object]
) -> pd.DataFrame:
    try:
        return connection.execute(sql, parameters).fetchdf()
    except duckdb.CatalogException as error:
        raise RecommendationError(NOT_BUILT.format(table=table)) from error


def similar_to(
    connection: duckdb.DuckDBPyConnection, track_id: str, size: int = 10
) -> tuple[pd.Series, pd.DataFrame]:
    """The track (id, name, artists) and its nearest tracks by audio, closest first."""
    track = _query(
        connection,
        "select track_id, track_name, artist_names, popularity from marts.dim_tracks "
        "where track_id = ?",
        "marts.dim_tracks",
        [track_id],
    )
    if track.empty:
        raise RecommendationError(
            f"unknown track id {track_id!r}: it is not in marts.dim_tracks. Track ids are the "
            "22-character Spotify ids, e.g. from `select track_id, track_name from "
            "marts.dim_tracks`."
        )
    similar = _query(
        connection,
        "select neighbours.rank, neighbours.similar_track_id as track_id, tracks.track_name, "
        "tracks.artist_names, tracks.popularity, neighbours.distance "
        "from ml.similar_tracks as neighbours "
        "inner join marts.dim_tracks as tracks on tracks.track_id = neighbours.similar_track_id "
        "where neighbours.track_id = ? order by neighbours.rank limit ?",
        "ml.similar_tracks",
        [track_id, size],
    )
    return track.iloc[0], similar


def mood_playlist(
    connection: duckdb.DuckDBPyConnection, mood: str, size: int = 20
) -> tuple[str, pd.DataFrame]:
    """The mood's description and its best-matching popular tracks, in rank order."""
    moods = _query(
        connection,
        "select mood, min(mood_description) as description from marts.mart_mood_playlists "
        "group by mood order by mood",
        "marts.mart_mood_playlists",
        [],
    )
    known = dict(zip(moods["mood"], moods["description"], strict=True))
    name = mood.strip().lower()
    if name not in known:
        raise RecommendationError(
            f"unknown mood {mood!r}; the moods are: {', '.join(known) or '(none built)'} "
            "(defined in dbt_project/seeds/moods.csv)."
        )
    tracks = _query(
        connection,
        "select mood_rank as rank, track_id, track_name, artist_names, popularity "
        "from marts.mart_mood_playlists where mood = ? and mood_rank <= ? order by mood_rank",
        "marts.mart_mood_playlists",
        [name, size],
    )
    return known[name], tracks


def for_playlist(
    connection: duckdb.DuckDBPyConnection, playlist_id: str, size: int = 10
) -> tuple[pd.Series, pd.DataFrame]:
    """The playlist (id, name, genre, tracks) and the hybrid's recommendations for it, best
    first, each with the reason it was picked."""
    playlist = _query(
        connection,
        "select playlist_id, playlist_name, playlist_genre, track_count from marts.dim_playlists "
        "where playlist_id = ?",
        "marts.dim_playlists",
        [playlist_id],
    )
    if playlist.empty:
        raise RecommendationError(
            f"unknown playlist id {playlist_id!r}: it is not in marts.dim_playlists. Playlist ids "
            "are 22-character Spotify ids, e.g. from `select playlist_id, playlist_name from "
            "marts.dim_playlists`."
        )
    picks = _query(
        connection,
        "select picks.rank, picks.track_id, tracks.track_name, tracks.artist_names, "
        "tracks.popularity, picks.reason_text as reason "
        "from ml.playlist_recommendations as picks "
        "inner join marts.dim_tracks as tracks on tracks.track_id = picks.track_id "
        "where picks.playlist_id = ? order by picks.rank limit ?",
        "ml.playlist_recommendations",
        [playlist_id, size],
    )
    return playlist.iloc[0], picks


class Request(NamedTuple):
    """What `recommend` was asked: exactly one of the three is set."""

    playlist: str | None
    like: str | None
    mood: str | None


def answer_request(request: Request, warehouse: str | None, size: int) -> tuple[str, pd.DataFrame]:
    """Answer one request: a heading line and the table to print."""
    connection = connect_readonly(warehouse)
    try:
        if request.playlist is not None:
            playlist, picks = for_playlist(connection, request.playlist, size)
            heading = (
                f"Tracks for {playlist['playlist_name']} ({playlist['playlist_genre']}, "
                f"{int(playlist['track_count'])} tracks, {playlist['playlist_id']}), best first, "
                "from the hybrid recommender:"
            )
            return heading, picks
        like, mood = request.like, request.mood
        if like is not None:
            track, similar = similar_to(connection, like, size)
            heading = (
                f"Tracks that sound like {track['track_name']} by {track['artist_names']} "
                f"({track['track_id']}), closest first:"
            )
            return heading, similar
        assert mood is not None
        description, tracks = mood_playlist(connection, mood, size)
        return f"{mood.strip().lower()}: {description}", tracks
    finally:
        connection.close()
