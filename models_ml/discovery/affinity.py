"""What the catalog knows about a candidate track: its album and its credited artists.

Playlists are built around artists and albums: on the real data 40% of held-out tracks share
an artist with the playlist's visible tracks, and many share an album. Collaborative
filtering cannot use that when a held-out track is in no other playlist; the catalog can.

- album: `marts.dim_tracks.album_key`, one key per (normalized album name, primary artist).
  The tracks file has album names but no album ids, the playlist file ids for its tracks
  only; name + primary artist exists for every catalog track, so a candidate is never limited
  to tracks that happen to sit in the playlist file (that would leak which tracks are in some
  playlist's hold-out).
- artists: every credited artist (`marts.bridge_track_artists`), not only the primary one.

Both signals count visible tracks; they are computed for a batch of playlists at once as
sparse products, so no track x track matrix is formed:

    album matches  = Q B B'   (B: catalog track x album, 0/1)
    artist matches = Q C C'   (C: catalog track x credited artist, 0/1)

with Q the batch's playlist x catalog matrix of visible tracks. A candidate's artist matches
sum over its credited artists: a track by A feat. B in a playlist with two A tracks and one B
track scores 3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from models_ml.discovery.clusters import require_columns


@dataclass(frozen=True)
class CatalogStructure:
    """Album and artist incidence of the catalog, rows in the catalog's column order."""

    #: catalog track x album, 1 where the track is on the album (one album per track).
    albums: sparse.csr_matrix
    #: catalog track x artist, 1 where the artist is credited on the track.
    artists: sparse.csr_matrix
    #: Catalog tracks on each track's album, itself included.
    album_size: np.ndarray
    #: Sum over each track's credited artists of their catalog tracks.
    artist_reach: np.ndarray


def catalog_structure(
    track_ids: np.ndarray, album_keys: np.ndarray, track_artists: pd.DataFrame
) -> CatalogStructure:
    """The album and artist incidence of the catalog `track_ids` (in that order).

    album_keys: aligned with track_ids, none missing. track_artists: track_id, artist_id
    (every credit); credits of tracks outside the catalog are ignored, and a catalog track
    without a credit has no artist signal.
    """
    require_columns(track_artists, ["track_id", "artist_id"], "track_artists")
    keys = pd.Series(album_keys)
    if keys.isna().any():
        examples = list(pd.Series(track_ids)[keys.isna().to_numpy()][:3])
        raise ValueError(f"tracks: {int(keys.isna().sum())} have no album_key, e.g. {examples}")
    n_tracks = len(track_ids)
    album_codes, album_index = pd.factorize(keys)
    albums = sparse.csr_matrix(
        (np.ones(n_tracks), (np.arange(n_tracks), album_codes)),
        shape=(n_tracks, len(album_index)),
    )
    credits = track_artists[["track_id", "artist_id"]].dropna().drop_duplicates()
    rows = pd.Index(track_ids).get_indexer(credits["track_id"])
    inside = rows >= 0
    artist_codes, artist_index = pd.factorize(credits["artist_id"].to_numpy()[inside])
    artists = sparse.csr_matrix(
        (np.ones(int(inside.sum())), (rows[inside], artist_codes)),
        shape=(n_tracks, len(artist_index)),
    )
    album_counts = np.asarray(albums.sum(axis=0)).ravel()
    artist_counts = np.asarray(artists.sum(axis=0)).ravel()
    return CatalogStructure(
        albums=albums,
        artists=artists,
        album_size=album_counts[album_codes],
        artist_reach=np.asarray(artists @ artist_counts).ravel(),
    )


def album_matches(query: sparse.csr_matrix, structure: CatalogStructure) -> np.ndarray:
    """Per playlist (row of `query`) and catalog track: visible tracks on the same album."""
    return np.asarray(((query @ structure.albums) @ structure.albums.T).todense())


def artist_matches(query: sparse.csr_matrix, structure: CatalogStructure) -> np.ndarray:
    """Per playlist and catalog track: visible tracks crediting each of its artists, summed."""
    return np.asarray(((query @ structure.artists) @ structure.artists.T).todense())


def shared_artist_rows(
    rows: pd.DataFrame, visible: pd.DataFrame, track_artists: pd.DataFrame
) -> pd.Series:
    """For each of `rows` (playlist_id, track_id): does its track credit an artist that a
    visible track of the same playlist credits? Aligned with `rows`' index."""
    credits = track_artists[["track_id", "artist_id"]].drop_duplicates()
    visible_artists = (
        visible[["playlist_id", "track_id"]]
        .merge(credits, on="track_id")[["playlist_id", "artist_id"]]
        .drop_duplicates()
    )
    matched = (
        rows[["playlist_id", "track_id"]]
        .reset_index(names="_row")
        .merge(credits, on="track_id")
        .merge(visible_artists, on=["playlist_id", "artist_id"])["_row"]
        .unique()
    )
    return pd.Series(rows.index.isin(matched), index=rows.index)
