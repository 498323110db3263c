"""Audio clusters of the catalog: the shared audio space, k-means with k chosen by silhouette,
cluster profiles with generated names, and a 2-D PCA map of every track.

The audio space (`audio_matrix`) is also the space `similarity` searches and the `content`
recommender scores in, so "close" means the same thing on every discovery page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from models_ml.config import AUDIO_FEATURES

#: Audio features whose codes are categories with no distance (key 11 is next to key 0, not
#: far from it).
CATEGORICAL_AUDIO: frozenset[str] = frozenset({"key", "mode", "time_signature"})
#: The audio features the discovery layer compares tracks on (fct_track_features): the
#: ML layer's audio features (config.AUDIO_FEATURES, in their order) but the categorical.
AUDIO_COLUMNS: tuple[str, ...] = tuple(
    name for name in AUDIO_FEATURES if name not in CATEGORICAL_AUDIO
)

#: Features log-transformed (log1p) before standardizing. Duration is heavily right-skewed
#: (the median track lasts 3.6 min, the longest 87 min): on the raw scale a single 87-minute
#: track sits 27 standard deviations out, and k-means spends a cluster on 40 such outliers.
#: On the log scale a doubling of length is the same step at any length.
LOG_COLUMNS: tuple[str, ...] = ("duration_sec",)

#: The word a cluster name uses for a feature whose standardized cluster mean is high / low.
FEATURE_WORDS: dict[str, tuple[str, str]] = {
    "danceability": ("danceable", "non-danceable"),
    "energy": ("high-energy", "calm"),
    "loudness": ("loud", "quiet"),
    "speechiness": ("speech-heavy", "sung"),
    "acousticness": ("acoustic", "electric"),
    "instrumentalness": ("instrumental", "vocal"),
    "liveness": ("live", "studio"),
    "valence": ("happy", "dark"),
    "tempo": ("fast", "slow"),
    "duration_sec": ("long", "short"),
}

#: A standardized cluster mean closer to 0 than this does not make a word in the name.
NAME_MIN_DEVIATION = 0.25
#: The name of a cluster none of whose features stands out.
AVERAGE_NAME = "middle-of-the-road"


def require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    """Raise a KeyError naming the input and the columns it lacks."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise KeyError(f"{name}: missing column(s) {', '.join(missing)}")


def audio_matrix(
    tracks: pd.DataFrame,
    features: Sequence[str] = AUDIO_COLUMNS,
    log_features: Sequence[str] = LOG_COLUMNS,
) -> tuple[np.ndarray, list[str]]:
    """The standardized audio space: one row per track (input order), one column per feature.

    NaN (an undetected tempo) is replaced by the feature's median so the track still gets
    a position; then `log_features` are log1p-transformed and every column is scaled to mean 0
    and standard deviation 1, so each feature weighs the same in Euclidean distances.
    """
    require_columns(tracks, features, "tracks")
    values = tracks[list(features)].to_numpy(dtype=np.float64, na_value=np.nan).copy()
    for position, feature in enumerate(features):
        column = values[:, position]
        if np.isnan(column).all():
            raise ValueError(f"tracks: column {feature!r} has no value to impute from")
        column[np.isnan(column)] = np.nanmedian(column)
        if feature in log_features:
            if (column < 0).any():
                raise ValueError(f"tracks: column {feature!r} is negative; cannot log-transform")
            values[:, position] = np.log1p(column)
    return StandardScaler().fit_transform(values), list(features)


def _sample_positions(n_rows: int, sample_size: int, seed: int) -> np.ndarray:
    if n_rows <= sample_size:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, sample_size, replace=False))


def _size_ordered(labels: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relabel clusters 0.. by size, largest first (ties: k-means' own order), so cluster ids
    mean the same thing from run to run."""
    sizes = np.bincount(labels, minlength=len(centres))
    order = np.argsort(-sizes, kind="stable")
    new_label = np.empty_like(order)
    new_label[order] = np.arange(len(order))
    return new_label[labels], centres[order]


def scan_k(
    matrix: np.ndarray,
    k_values: Sequence[int],
    sample_size: int,
    seed: int,
    n_init: int = 10,
    on_k: Callable[[int], None] | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Fit k-means for each k on all rows; score each by silhouette on one fixed sample.

    Returns the score table (k, silhouette, inertia, is_chosen) and the chosen model's labels
    (0 = largest cluster) and centres. The highest silhouette wins; ties go to the smaller k.
    Silhouette needs every pairwise distance, so it is measured on a seeded sample (the same
    rows for every k); k-means itself sees every track. `on_k(k)` hears of each k done.
    """
    n_rows = len(matrix)
    candidates = sorted({int(k) for k in k_values if 2 <= k < n_rows})
    if not candidates:
        raise ValueError(f"no k in {list(k_values)} fits {n_rows} tracks (need 2 <= k < n)")
    sample = _sample_positions(n_rows, sample_size, seed)
    # silhouette_score works through the sample's distances in chunks, once per k: computing
    # them once for every k saved 16 s of 20 but held 10k x 10k doubles (1.6 GB at its
    # peak), which pushed the build past 6 GB.
    rows, fits = [], {}
    for k in candidates:
        model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(matrix)
        sample_labels = model.labels_[sample]
        n_labels = len(np.unique(sample_labels))
        silhouette = (
            float(silhouette_score(matrix[sample], sample_labels))
            if 1 < n_labels < len(sample)
            else float("nan")
        )
        rows.append({"k": k, "silhouette": silhouette, "inertia": float(model.inertia_)})
        fits[k] = (model.labels_, model.cluster_centers_)
        if on_k is not None:
            on_k(k)
    scores = pd.DataFrame(rows)
    ranked = scores.assign(order=-scores["silhouette"].fillna(-np.inf)).sort_values(
        ["order", "k"], kind="stable"
    )
    chosen = int(ranked["k"].iloc[0])
    scores["is_chosen"] = scores["k"] == chosen
    labels, centres = _size_ordered(*fits[chosen])
    return scores.astype({"k": "int64"}), labels, centres


def distinguishing_features(
    centres: np.ndarray, feature_names: Sequence[str], n_features: int = 3
) -> list[list[tuple[str, float]]]:
    """Per cluster, the features whose standardized mean is farthest from the catalog's
    (0), farthest first (ties in feature order), with their signed values."""
    result = []
    for centre in centres:
        order = np.argsort(-np.abs(centre), kind="stable")[:n_features]
        result.append([(feature_names[i], float(centre[i])) for i in order])
    return result


def _name_words(features: list[tuple[str, float]]) -> list[str]:
    words = []
    for feature, value in features:
        if abs(value) < NAME_MIN_DEVIATION:
            continue
        high, low = FEATURE_WORDS.get(feature, (f"high {feature}", f"low {feature}"))
        words.append(high if value > 0 else low)
    return words


def name_clusters(distinguishing: list[list[tuple[str, float]]], n_words: int = 2) -> list[str]:
    """A short, unique name per cluster from its distinguishing features (`FEATURE_WORDS`).

    A name is the words of the first `n_words` features that stand out (|z| >= 0.25),
    strongest first, e.g. "acoustic, calm". Clusters whose names collide take one more word
    each; if they still collide, the second and later (in cluster order, so smaller) get a
    numeric suffix: "happy, danceable (2)".
    """
    words = [_name_words(features) for features in distinguishing]
    names = [", ".join(w[:n_words]) or AVERAGE_NAME for w in words]
    counts = pd.Series(names).value_counts()
    names = [
        ", ".join(w[: n_words + 1]) or AVERAGE_NAME if counts[name] > 1 else name
        for name, w in zip(names, words, strict=True)
    ]
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        candidate, suffix = name, 1
        while candidate in seen:
            suffix += 1
            candidate = f"{name} ({suffix})"
        seen[candidate] = 1
        unique.append(candidate)
    return unique


def _top_genres(
    track_clusters: pd.DataFrame, genres: pd.DataFrame, taxonomy: str, n_top: int
) -> dict[int, list[str]]:
    """The n most common genres of `taxonomy` per cluster (ties by name)."""
    labelled = genres.loc[genres["taxonomy"] == taxonomy, ["track_id", "genre"]].merge(
        track_clusters[["track_id", "cluster"]], on="track_id"
    )
    counts = labelled.groupby(["cluster", "genre"]).size().rename("n").reset_index()
    counts = counts.sort_values(["cluster", "n", "genre"], ascending=[True, False, True])
    top = counts.groupby("cluster").head(n_top)
    return {int(cluster): list(group["genre"]) for cluster, group in top.groupby("cluster")}


def cluster_profiles(
    tracks: pd.DataFrame,
    track_clusters: pd.DataFrame,
    centres: np.ndarray,
    feature_names: Sequence[str],
    genres: pd.DataFrame,
    n_distinguishing: int = 3,
    n_top_genres: int = 3,
) -> pd.DataFrame:
    """One row per cluster: size, raw feature means, what sets it apart, its genres, a name.

    `centres` are in the standardized space: `distinguishing_features` reads
    "acousticness +1.8" for a cluster whose mean acousticness is 1.8 standard deviations
    above the catalog's (duration on the log scale, see `LOG_COLUMNS`). `avg_<feature>` are
    plain means of the raw values (NaN skipped, duration in seconds), for people to read.
    `top_genres` counts the tracks file's genres (taxonomy track_genre, about 98% of
    tracks), `top_playlist_genres` the playlist file's six genres (about a quarter of tracks).
    """
    require_columns(genres, ["track_id", "taxonomy", "genre"], "genres")
    n_clusters = len(centres)
    clusters = pd.Index(range(n_clusters), name="cluster")
    joined = tracks[["track_id", *feature_names]].merge(track_clusters, on="track_id")
    profile = pd.DataFrame(index=clusters)
    profile["track_count"] = joined.groupby("cluster").size().reindex(clusters, fill_value=0)
    profile["share"] = profile["track_count"] / max(len(track_clusters), 1)
    means = joined.groupby("cluster")[list(feature_names)].mean().reindex(clusters)
    for feature in feature_names:
        profile[f"avg_{feature}"] = means[feature].astype("float64")
    distinguishing = distinguishing_features(centres, feature_names, n_distinguishing)
    profile["distinguishing_features"] = [
        [f"{feature} {value:+.1f}" for feature, value in features] for features in distinguishing
    ]
    for column, taxonomy in (
        ("top_genres", "track_genre"),
        ("top_playlist_genres", "playlist_genre"),
    ):
        top = _top_genres(track_clusters, genres, taxonomy, n_top_genres)
        profile[column] = [top.get(cluster, []) for cluster in clusters]
    profile.insert(0, "cluster_name", name_clusters(distinguishing))
    return profile.reset_index().astype({"cluster": "int64", "track_count": "int64"})


def cluster_tracks(
    tracks: pd.DataFrame,
    matrix: np.ndarray,
    feature_names: Sequence[str],
    genres: pd.DataFrame,
    k_values: Sequence[int] = tuple(range(4, 13)),
    sample_size: int = 10_000,
    seed: int = 0,
    n_init: int = 10,
    n_distinguishing: int = 3,
    n_top_genres: int = 3,
    on_k: Callable[[int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """track_clusters, cluster_profiles and cluster_k_scores for tracks (rows of `matrix`)."""
    scores, labels, centres = scan_k(matrix, k_values, sample_size, seed, n_init, on_k)
    distance = np.linalg.norm(matrix - centres[labels], axis=1)
    track_clusters = pd.DataFrame(
        {
            "track_id": tracks["track_id"].to_numpy(),
            "cluster": labels.astype("int64"),
            "distance_to_centre": distance,
        }
    )
    profiles = cluster_profiles(
        tracks, track_clusters, centres, feature_names, genres, n_distinguishing, n_top_genres
    )
    return {
        "track_clusters": track_clusters,
        "cluster_profiles": profiles,
        "cluster_k_scores": scores[["k", "silhouette", "inertia", "is_chosen"]],
    }


def embed_2d(
    tracks: pd.DataFrame, matrix: np.ndarray, feature_names: Sequence[str], seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 2-D map of every track: the first two principal components of the audio space.

    Returns track_embedding_2d (track_id, method, x, y) and embedding_components (method,
    component, explained_variance_share, one loading_<feature> column per feature, so a
    page can say what each axis means). PCA is linear, exact, takes a second on the whole
    catalog and its axes can be read; t-SNE or UMAP would need minutes on 116k tracks and
    give axes with no meaning, for a scatter plot that has to be sampled anyway.
    """
    pca = PCA(n_components=2, svd_solver="full", random_state=seed)
    coordinates = pca.fit_transform(matrix)
    embedding = pd.DataFrame(
        {
            "track_id": tracks["track_id"].to_numpy(),
            "method": "pca",
            "x": coordinates[:, 0],
            "y": coordinates[:, 1],
        }
    )
    components = pd.DataFrame(
        {
            "method": "pca",
            "component": ["x", "y"],
            "explained_variance_share": pca.explained_variance_ratio_,
        }
    )
    for position, feature in enumerate(feature_names):
        components[f"loading_{feature}"] = pca.components_[:, position]
    return embedding, components
