"""Content-based "similar tracks": each track's nearest neighbours in the audio space.

The catalog holds the same song under several ids (single, album, compilation), with the
same or nearly the same audio features. Those copies would fill the top of every list and
tell a listener nothing, so a track's neighbours exclude every track with its normalized
name and artists, itself included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from models_ml.discovery.clusters import require_columns


def song_keys(tracks: pd.DataFrame) -> np.ndarray:
    """An integer per track, equal for tracks with the same lower-cased, trimmed
    track_name and artist_names (the same song under another id)."""
    require_columns(tracks, ["track_name", "artist_names"], "tracks")
    name = tracks["track_name"].fillna("").astype(str).str.strip().str.lower()
    artists = tracks["artist_names"].fillna("").astype(str).str.strip().str.lower()
    keys = pd.MultiIndex.from_arrays([name, artists])
    return pd.factorize(keys)[0]


def _settled(
    distances: np.ndarray, valid: np.ndarray, n_neighbours: int, exhausted: bool
) -> np.ndarray:
    """Rows whose top n_neighbours are final: enough valid neighbours, and the last of
    them strictly closer than the farthest one queried (else an unseen track could tie)."""
    n_valid = valid.sum(axis=1)
    if exhausted:
        return np.ones(len(distances), dtype=bool)
    enough = n_valid >= n_neighbours
    nth = np.full(len(distances), np.inf)
    rows = np.flatnonzero(enough)
    if len(rows):
        # Distance of the n-th valid neighbour: valid entries are sorted by distance.
        cumulative = np.cumsum(valid[rows], axis=1)
        position = (cumulative >= n_neighbours).argmax(axis=1)
        nth[rows] = distances[rows, position]
    return enough & (nth < distances[:, -1])


def _ordered_neighbours(
    distances: np.ndarray,
    indices: np.ndarray,
    tie_rank: np.ndarray,
    own_key: np.ndarray,
    keys: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort each row by (distance, track id) and flag the neighbours allowed in the list."""
    order = np.lexsort((tie_rank[indices], distances), axis=1)
    distances = np.take_along_axis(distances, order, axis=1)
    indices = np.take_along_axis(indices, order, axis=1)
    valid = keys[indices] != own_key[:, None]
    return distances, indices, valid


def similar_tracks(
    tracks: pd.DataFrame,
    matrix: np.ndarray,
    n_neighbours: int = 10,
    margin: int = 5,
    n_jobs: int | None = 2,
) -> pd.DataFrame:
    """track_id, rank (1..n), similar_track_id, distance: every track's nearest tracks.

    Exact Euclidean neighbours in `matrix` (rows = tracks, as from `audio_matrix`) through a
    k-d tree, which in 10 dimensions beats brute force on the whole catalog. Each track asks
    for n + margin + 1 neighbours; the few rows that lose too many to the same-song filter,
    or whose cut-off falls inside a run of equal distances, ask again with twice as many,
    until settled. Ties are ordered by track id, so the table is deterministic. A track has
    fewer than n rows only when the catalog has fewer other songs.
    """
    require_columns(tracks, ["track_id"], "tracks")
    if len(tracks) != len(matrix):
        raise ValueError(f"tracks has {len(tracks)} rows but the audio matrix {len(matrix)}")
    n_rows = len(matrix)
    keys = song_keys(tracks)
    track_ids = tracks["track_id"].to_numpy()
    tie_rank = np.argsort(np.argsort(track_ids, kind="stable"), kind="stable")
    index = NearestNeighbors(algorithm="kd_tree", n_jobs=n_jobs).fit(matrix)

    result_rows = np.arange(n_rows)
    chosen_index = np.full((n_rows, n_neighbours), -1, dtype=np.int64)
    chosen_distance = np.full((n_rows, n_neighbours), np.nan)
    pending = np.arange(n_rows)
    n_query = min(n_rows, n_neighbours + margin + 1)
    while len(pending):
        distances, indices = index.kneighbors(matrix[pending], n_neighbors=n_query)
        distances, indices, valid = _ordered_neighbours(
            distances, indices, tie_rank, keys[pending], keys
        )
        done = _settled(distances, valid, n_neighbours, exhausted=n_query == n_rows)
        kept = valid & (np.cumsum(valid, axis=1) <= n_neighbours) & done[:, None]
        local, column = np.nonzero(kept)
        slot = np.cumsum(kept, axis=1)[local, column] - 1
        chosen_index[pending[local], slot] = indices[local, column]
        chosen_distance[pending[local], slot] = distances[local, column]
        pending = pending[~done]
        n_query = min(n_rows, 2 * n_query)

    rank = np.broadcast_to(np.arange(1, n_neighbours + 1), chosen_index.shape)
    present = chosen_index >= 0
    return pd.DataFrame(
        {
            "track_id": track_ids[np.repeat(result_rows, n_neighbours)[present.ravel()]],
            "rank": rank[present].astype("int64"),
            "similar_track_id": track_ids[chosen_index[present]],
            "distance": chosen_distance[present],
        }
    )
