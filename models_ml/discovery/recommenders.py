"""Playlist continuation: seven recommenders, scored batch by batch over the whole catalog.

A playlist's visible tracks ("the playlist so far") are the query; a method recommends 10
tracks from the whole catalog, never one the query already has. Models learn from training
rows only (`training_rows`): co-occurrence, the popularity counts and the tie-break order
never see a hidden row. `models_ml.discovery.playlist_evaluation` runs the protocol (hold-out,
validation split, metrics, intervals).

Methods:

- random: uniform over the catalog (seeded); the floor.
- most_popular: tracks in the most training playlists (ties: Spotify popularity, then id).
- content: closeness in the audio space (`clusters.audio_matrix`) to the playlist's query
  tracks; see `content_scores`.
- cooccurrence: item-item cosine over the training playlist x track matrix; a candidate
  scores the sum of its similarities to the query tracks. A track in no training
  playlist has no similarity to anything, so this method cannot find new (cold-start)
  tracks.
- artist, album: visible tracks crediting the candidate's artists / on its album
  (`affinity`); they reach tracks no playlist has ever held.
- hybrid: two stages (`reranker`): the best candidates of album, artist, co-occurrence,
  content and most-popular, ordered by a gradient-boosted model of their features, fitted
  on a validation split of the training rows.

Ties are broken the same way in every method: tracks in more training playlists first,
then higher Spotify popularity, then track id (the catalog's column order). When
co-occurrence has fewer than 10 candidates with a positive score, that order fills the list
from the other tracks of training playlists; co-occurrence never recommends a track in no
training playlist (its list is shorter if the catalog runs out, which only happens on toy
data). The hybrid recommends candidates only.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.random import PCG64, Generator
from scipy import sparse

from models_ml.discovery.affinity import (
    CatalogStructure,
    album_matches,
    artist_matches,
    catalog_structure,
)
from models_ml.discovery.clusters import require_columns
from models_ml.discovery.reranker import Reranker, candidates
from models_ml.metrics import top_positions

METHODS: tuple[str, ...] = (
    "random",
    "most_popular",
    "content",
    "cooccurrence",
    "artist",
    "album",
    "hybrid",
)
#: How content scores a candidate against the query tracks; see `content_scores`.
CONTENT_SCORINGS: tuple[str, ...] = ("kernel", "centroid")
#: Why the hybrid picked a track, in order of precedence (`reasons`).
REASONS: tuple[str, ...] = ("same_album", "same_artist", "played_together", "sounds_similar")
#: Playlists scored at once: each batch holds a dense batch x catalog score matrix
#: (64 x 116k float64 = 60 MB).
BATCH_SIZE = 64
#: Batches scored at once, one thread each.
PARALLEL_BATCHES = 2


# ----------------------------------------------------------------------------- split


def holdout_split(
    playlists: pd.DataFrame, share: float = 0.2, min_tracks: int = 5, seed: int = 0
) -> pd.DataFrame:
    """playlist_id, track_id, is_held_out: hide `share` of each playlist's tracks.

    Playlists with at least `min_tracks` distinct tracks hide share x n of them (rounded
    half up), at least one; smaller playlists hide nothing (their rows still train the
    models). Which tracks are hidden depends only on (seed, playlist_id, track_id) through a
    keyed hash, so the split does not change with row order or with other playlists.
    """
    require_columns(playlists, ["playlist_id", "track_id"], "playlists")
    rows = (
        playlists[["playlist_id", "track_id"]]
        .dropna()
        .drop_duplicates()
        .sort_values(["playlist_id", "track_id"], ignore_index=True)
    )
    hash_key = f"{seed % 10**16:016d}"
    rows["_hash"] = pd.util.hash_pandas_object(rows, index=False, hash_key=hash_key).to_numpy()
    rows = rows.sort_values(["playlist_id", "_hash", "track_id"], ignore_index=True)
    size = rows.groupby("playlist_id")["track_id"].transform("size").to_numpy()
    position = rows.groupby("playlist_id").cumcount().to_numpy()
    n_held = np.where(size >= min_tracks, np.maximum(1, np.floor(share * size + 0.5)), 0)
    rows["is_held_out"] = position < n_held
    return rows.drop(columns="_hash").sort_values(["playlist_id", "track_id"], ignore_index=True)


def training_rows(holdout: pd.DataFrame) -> pd.DataFrame:
    """The rows a model evaluated on `holdout` may learn from: all but the held-out ones."""
    return holdout.loc[~holdout["is_held_out"], ["playlist_id", "track_id"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- scoring


def interaction_matrix(
    rows: pd.DataFrame, playlist_index: pd.Index, track_index: pd.Index
) -> sparse.csr_matrix:
    """Binary playlist x track matrix of `rows`; rows outside either index are an error."""
    playlist_position = playlist_index.get_indexer(rows["playlist_id"])
    track_position = track_index.get_indexer(rows["track_id"])
    if (track_position < 0).any():
        unknown = rows["track_id"].to_numpy()[track_position < 0][:3]
        raise KeyError(f"playlists: track(s) not in the catalog, e.g. {list(unknown)}")
    if (playlist_position < 0).any():
        raise KeyError("playlists: playlist outside the playlist index")
    matrix = sparse.csr_matrix(
        (np.ones(len(rows)), (playlist_position, track_position)),
        shape=(len(playlist_index), len(track_index)),
    )
    matrix.data[:] = 1.0  # duplicate rows count once
    return matrix


def cooccurrence_scores(query: sparse.csr_matrix, train: sparse.csr_matrix) -> np.ndarray:
    """Sum over the query tracks of the item-item cosine similarity to each candidate.

    cos(i, j) = |playlists with i and j| / sqrt(|playlists with i| x |playlists with j|),
    counted in `train` only. Computed as (Q N) X' (X N) with N = diag(1/sqrt(count)), so the
    track x track matrix (6 GB dense for 28k tracks) is never formed.
    """
    counts = np.asarray(train.sum(axis=0)).ravel()
    inverse_root = np.divide(1.0, np.sqrt(counts), out=np.zeros_like(counts), where=counts > 0)
    scale = sparse.diags(inverse_root)
    per_playlist = (query @ scale) @ train.T
    return np.asarray((per_playlist @ (train @ scale)).todense())


def content_scores(
    query: sparse.csr_matrix,
    matrix: np.ndarray,
    scoring: str = "kernel",
    bandwidth: float = 1.0,
) -> np.ndarray:
    """Audio closeness of every catalog track (rows of `matrix`) to each playlist's query
    tracks (rows of `query`), in [0, 1]; 0 everywhere for a playlist without query tracks.

    kernel: mean over the query tracks of exp(-d^2 / (2 bandwidth^2)), d the Euclidean
    distance in the standardized audio space (bandwidth 1 = one standard deviation, not
    tuned). A playlist mixes moods and styles; the kernel rewards a candidate for being
    close to any group of its tracks, where the centroid of a mixed playlist can sit in an
    empty middle no track resembles. centroid: 1 / (1 + distance to the mean of the query
    tracks); one matrix product per batch instead of one per playlist. `tune_recommenders`
    picks between them on the validation split (there the kernel found a third more hidden
    tracks: precision@10 0.0034 against 0.0026).
    """
    if scoring not in CONTENT_SCORINGS:
        raise ValueError(f"unknown content scoring {scoring!r}; known: {CONTENT_SCORINGS}")
    counts = np.asarray(query.sum(axis=1)).ravel()
    if scoring == "centroid":
        weights = sparse.diags(np.divide(1.0, counts, out=np.zeros_like(counts), where=counts > 0))
        centroids = np.asarray((weights @ query) @ matrix)
        squared = (
            np.einsum("ij,ij->i", matrix, matrix)[None, :]
            + np.einsum("ij,ij->i", centroids, centroids)[:, None]
            - 2.0 * centroids @ matrix.T
        )
        scores = 1.0 / (1.0 + np.sqrt(np.maximum(squared, 0.0)))
        scores[counts == 0] = 0.0
        return scores
    # float32 halves the cost of the (query tracks x catalog) distance blocks; the scores
    # only rank candidates, which single precision does well within.
    points = matrix.astype(np.float32)
    half_norms = 0.5 * np.einsum("ij,ij->i", points, points)
    scale = np.float32(1.0 / bandwidth**2)
    scores = np.zeros((query.shape[0], len(matrix)))
    for row in range(query.shape[0]):
        members = query.indices[query.indptr[row] : query.indptr[row + 1]]
        if not len(members):
            continue
        # -d^2 / 2 = x.y - |x|^2/2 - |y|^2/2, clipped at 0 against rounding.
        exponent = points[members] @ points.T
        exponent -= half_norms[members][:, None]
        exponent -= half_norms[None, :]
        np.minimum(exponent, 0.0, out=exponent)
        exponent *= scale
        np.exp(exponent, out=exponent)
        scores[row] = exponent.mean(axis=0, dtype=np.float64)
    return scores


def _tie_order(tracks: pd.DataFrame, train_counts: pd.Series) -> np.ndarray:
    """Catalog positions in tie-break order: training playlists, popularity (desc), id."""
    popularity = tracks["popularity"].fillna(-1).to_numpy(dtype=np.float64)
    counts = train_counts.reindex(tracks["track_id"], fill_value=0).to_numpy(dtype=np.float64)
    id_rank = np.argsort(np.argsort(tracks["track_id"].to_numpy(), kind="stable"), kind="stable")
    return np.lexsort((id_rank, -popularity, -counts))


def batch_noise(seed: int, offset: int, shape: tuple[int, int]) -> np.ndarray:
    """The `random` method's scores for one batch: uniform draws number offset, offset + 1,
    ... of the generator seeded with `seed`, so each batch gets the same draws whichever
    batch is scored first (one draw per float64)."""
    generator = PCG64(seed)
    generator.advance(offset)
    return Generator(generator).random(shape)


@dataclass(frozen=True)
class Catalog:
    """Every candidate track in tie-break order (the column order of every score matrix),
    and what the models learned from the training rows."""

    track_ids: np.ndarray
    #: Rows of the standardized audio space, in column order.
    audio: np.ndarray
    popularity: np.ndarray
    structure: CatalogStructure
    #: Binary training playlist x catalog matrix.
    train: sparse.csr_matrix
    #: Training playlists holding each track.
    training_playlists: np.ndarray


def prepare_catalog(
    train_rows: pd.DataFrame,
    tracks: pd.DataFrame,
    matrix: np.ndarray,
    track_artists: pd.DataFrame,
) -> Catalog:
    """The catalog for models that learn from `train_rows` (playlist_id, track_id).

    tracks: track_id, popularity, album_key, one row per catalog track, aligned with the
    audio `matrix`; track_artists: track_id, artist_id (every credit).
    """
    require_columns(tracks, ["track_id", "popularity", "album_key"], "tracks")
    if len(tracks) != len(matrix):
        raise ValueError(f"tracks has {len(tracks)} rows but the audio matrix {len(matrix)}")
    train_rows = train_rows[["playlist_id", "track_id"]].drop_duplicates()
    order = _tie_order(tracks, train_rows.groupby("track_id").size())
    track_ids = tracks["track_id"].to_numpy()[order]
    train = interaction_matrix(
        train_rows, pd.Index(np.sort(train_rows["playlist_id"].unique())), pd.Index(track_ids)
    )
    return Catalog(
        track_ids=track_ids,
        audio=matrix[order],
        popularity=tracks["popularity"].fillna(0).to_numpy(dtype=np.float64)[order],
        structure=catalog_structure(
            track_ids, tracks["album_key"].to_numpy()[order], track_artists
        ),
        train=train,
        training_playlists=np.asarray(train.sum(axis=0)).ravel(),
    )


def batch_signals(
    needed: set[str], query: sparse.csr_matrix, catalog: Catalog, content_scoring: str
) -> dict[str, np.ndarray]:
    """The batch x catalog score matrices of the `needed` single-signal methods (names of
    METHODS but random and hybrid), visible tracks at -inf."""
    rows, columns = query.nonzero()
    signals: dict[str, np.ndarray] = {}
    if "most_popular" in needed:
        signals["most_popular"] = np.tile(catalog.training_playlists, (query.shape[0], 1))
    if "cooccurrence" in needed:
        cooccurrence = cooccurrence_scores(query, catalog.train)
        # A track in no training playlist has no co-occurrence evidence at all.
        cooccurrence[:, catalog.training_playlists == 0] = -np.inf
        signals["cooccurrence"] = cooccurrence
    if "content" in needed:
        signals["content"] = content_scores(query, catalog.audio, content_scoring)
    if "artist" in needed:
        signals["artist"] = artist_matches(query, catalog.structure)
    if "album" in needed:
        signals["album"] = album_matches(query, catalog.structure)
    for scores in signals.values():
        scores[rows, columns] = -np.inf
    return signals


def _query_matrix(query_rows: pd.DataFrame, catalog: Catalog) -> tuple[pd.Index, sparse.csr_matrix]:
    query_rows = query_rows[["playlist_id", "track_id"]].drop_duplicates()
    playlists = pd.Index(np.sort(query_rows["playlist_id"].unique()))
    return playlists, interaction_matrix(query_rows, playlists, pd.Index(catalog.track_ids))


#: Features of the hybrid's recommendations kept with them, for the reason each was picked.
REASON_FEATURES: tuple[str, ...] = ("album_matches", "artist_matches", "cooccurrence", "content")


def _recommend(
    catalog: Catalog,
    query_rows: pd.DataFrame,
    methods: Sequence[str],
    n_recommendations: int,
    content_scoring: str,
    reranker: Reranker | None,
    n_candidates: int,
    seed: int,
    keep_candidates: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`continue_playlists`, and with keep_candidates the hybrid's candidates (playlist_id,
    track_id and `reranker.FEATURES`) computed from the same score matrices."""
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; known: {METHODS}")
    if "hybrid" in methods and reranker is None:
        raise ValueError("the hybrid needs a fitted reranker")
    needed = set(methods) - {"random", "hybrid"}
    if "hybrid" in methods or keep_candidates:
        needed |= {"album", "artist", "cooccurrence", "content", "most_popular"}
    query_playlists, query_all = _query_matrix(query_rows, catalog)

    def score_batch(start: int) -> list[tuple[str, pd.DataFrame]]:
        query = query_all[start : start + BATCH_SIZE]
        batch_ids = query_playlists[start : start + BATCH_SIZE].to_numpy()
        signals = batch_signals(needed, query, catalog, content_scoring)
        if "random" in methods:
            noise = batch_noise(seed, start * query.shape[1], query.shape)
            noise[query.nonzero()] = -np.inf
            signals["random"] = noise
        frames: list[tuple[str, pd.DataFrame]] = []
        reasons: dict[str, np.ndarray] = {}
        if "hybrid" in methods or keep_candidates:
            row, column, features = candidates(
                query,
                signals,
                catalog.structure,
                catalog.popularity,
                catalog.training_playlists,
                n_candidates,
            )
            if keep_candidates:
                kept = features.copy()
                kept.insert(0, "track_id", catalog.track_ids[column])
                kept.insert(0, "playlist_id", batch_ids[row])
                frames.append(("candidates", kept))
            if "hybrid" in methods:
                assert reranker is not None
                hybrid = np.full(query.shape, -np.inf)
                hybrid[row, column] = reranker.score(features)
                signals["hybrid"] = hybrid
                for name in REASON_FEATURES:
                    values = np.full(query.shape, np.nan)
                    values[row, column] = features[name].to_numpy()
                    reasons[name] = values
        for method in methods:
            positions, values = top_positions(signals[method], n_recommendations)
            row, slot = np.nonzero(positions >= 0)
            column = positions[row, slot]
            frame = pd.DataFrame(
                {
                    "method": method,
                    "playlist_id": batch_ids[row],
                    "rank": slot + 1,
                    "track_id": catalog.track_ids[column],
                    "score": values[row, slot],
                }
            )
            for name in REASON_FEATURES:
                frame[name] = reasons[name][row, column] if method == "hybrid" else np.nan
            frames.append(("recommendations", frame))
        return frames

    # Batches are independent (NumPy and SciPy release the GIL): two at a time use both
    # cores; the result is the same as one after another.
    with ThreadPoolExecutor(PARALLEL_BATCHES) as pool:
        batches = list(pool.map(score_batch, range(0, query_all.shape[0], BATCH_SIZE)))
    columns = ["method", "playlist_id", "rank", "track_id", "score", *REASON_FEATURES]
    found = [frame for batch in batches for kind, frame in batch if kind == "recommendations"]
    kept = [frame for batch in batches for kind, frame in batch if kind == "candidates"]
    recommendations = pd.DataFrame(columns=columns)
    if found:
        recommendations = (
            pd.concat(found, ignore_index=True)[columns]
            .sort_values(["method", "playlist_id", "rank"], ignore_index=True)
            .astype({"rank": "int64"})
        )
    candidate_rows = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()
    return recommendations, candidate_rows


def continue_playlists(
    catalog: Catalog,
    query_rows: pd.DataFrame,
    methods: Sequence[str] = METHODS,
    n_recommendations: int = 10,
    content_scoring: str = "kernel",
    reranker: Reranker | None = None,
    n_candidates: int = 50,
    seed: int = 0,
) -> pd.DataFrame:
    """method, playlist_id, rank, track_id, score (+ REASON_FEATURES, NaN but for the
    hybrid): the top tracks per playlist of `query_rows`.

    `query_rows` (playlist_id, track_id) are the tracks each playlist to serve already has,
    never recommended back to it. Candidates are every catalog track; the hybrid needs the
    `reranker` fitted on a validation split (`playlist_evaluation.fit_hybrid`).
    """
    recommendations, _ = _recommend(
        catalog,
        query_rows,
        methods,
        n_recommendations,
        content_scoring,
        reranker,
        n_candidates,
        seed,
        keep_candidates=False,
    )
    return recommendations


def candidate_table(
    catalog: Catalog,
    query_rows: pd.DataFrame,
    content_scoring: str = "kernel",
    n_candidates: int = 50,
    methods: Sequence[str] = (),
    n_recommendations: int = 10,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(candidates, recommendations): playlist_id, track_id and the re-ranker's features
    (`reranker.FEATURES`) of every hybrid candidate of the playlists of `query_rows`, what the
    re-ranker learns from; and the top lists of the single-signal `methods`, from the same
    score matrices (the validation split needs content's, to choose its scoring)."""
    recommendations, candidate_rows = _recommend(
        catalog,
        query_rows,
        methods,
        n_recommendations,
        content_scoring,
        None,
        n_candidates,
        0,
        keep_candidates=True,
    )
    return candidate_rows, recommendations


def reasons(recommendations: pd.DataFrame) -> pd.Series:
    """Why the hybrid picked each recommendation (REASONS, first that applies): it is on the
    album of a visible track, credits one of their artists, shares playlists with them, or
    else sounds like them."""
    album = recommendations["album_matches"].fillna(0).to_numpy() > 0
    artist = recommendations["artist_matches"].fillna(0).to_numpy() > 0
    together = recommendations["cooccurrence"].fillna(0).to_numpy() > 0
    reason = np.select([album, artist, together], list(REASONS[:3]), default=REASONS[3])
    return pd.Series(reason, index=recommendations.index, name="reason")
