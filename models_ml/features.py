"""Design matrices per task, scenario and fold.

A model sees the track's own features (audio, duration, explicit) plus, where the scenario
allows, statistics derived from other tracks' labels, always out of fold
(`models_ml.encoding`):

- popularity, catalog and cold start: the mean popularity of the track's genres in each
  taxonomy (new_track: none; a new track has audio features only);
- popularity, catalog: the mean popularity of the primary artist's, the album's
  (dim_tracks.album_key) and the album title's (any artist's album of that name) other
  tracks, and how many there are;
- genres, catalog: the primary artist id itself, from which the model
  (`estimators.ArtistPriorBlend`) learns the artist's genre mix on the training folds.

and, for popularity in the catalog and cold-start scenarios, the catalog's structure
(`config.STRUCTURE_FEATURES`, computed in SQL in int_tracks_labelled) and the track's genres
one-hot (`genre_multi_hot`): how the catalog lists the track, which reads no popularity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models_ml.config import (
    MULTI_HOT_COLUMNS,
    STRUCTURE_FEATURES,
    TRACK_FEATURES,
    MLSettings,
    Scenario,
    Task,
)
from models_ml.encoding import inner_folds, out_of_fold_means
from models_ml.estimators import ARTIST_COLUMN


def track_matrix(frame: pd.DataFrame, columns: tuple[str, ...] = TRACK_FEATURES) -> pd.DataFrame:
    """The track's own features as floats; missing values stay NaN for the model to handle."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise KeyError(f"feature columns missing from the input: {', '.join(missing)}")
    return frame[list(columns)].astype("float64").reset_index(drop=True)


def derived_features(
    frame: pd.DataFrame,
    task: Task,
    scenario: Scenario,
    train_pos: np.ndarray,
    test_pos: np.ndarray,
    settings: MLSettings,
    fold_seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Out-of-fold label-derived features for the training and test rows of one fold."""
    frame = frame.reset_index(drop=True)
    groups = frame[scenario.group_column]
    train_parts: list[pd.DataFrame] = []
    test_parts: list[pd.DataFrame] = []
    # Every feature of the fold shares one inner split of the training rows.
    inner = inner_folds(groups, train_pos, settings.n_inner_folds, fold_seed)

    def add(keys: pd.Series, targets: pd.DataFrame, names: list[str], count_name: str) -> None:
        (train_means, train_counts), (test_means, test_counts) = out_of_fold_means(
            keys,
            targets,
            train_pos,
            test_pos,
            groups,
            settings.smoothing,
            settings.n_inner_folds,
            fold_seed,
            inner,
        )
        for means, counts, parts in (
            (train_means, train_counts, train_parts),
            (test_means, test_counts, test_parts),
        ):
            block = pd.DataFrame(means.to_numpy(dtype=float), columns=names)
            if count_name:
                block[count_name] = counts
            parts.append(block)

    if task.kind == "regression":
        popularity = frame[[task.target]].astype("float64")
        for column in scenario.genre_popularity_columns:
            name = f"{column}_mean_popularity"
            add(frame[column], popularity, [name], "")
            has_genre = frame[column].map(len).to_numpy() > 0
            train_parts[-1].loc[~has_genre[train_pos], name] = np.nan
            test_parts[-1].loc[~has_genre[test_pos], name] = np.nan
        if scenario.artist_features:
            add(
                frame["primary_artist_id"],
                popularity,
                ["artist_mean_popularity"],
                "artist_other_tracks",
            )
            add(frame["album_key"], popularity, ["album_mean_popularity"], "album_other_tracks")
            add(
                frame["album_title"],
                popularity,
                ["album_title_mean_popularity"],
                "album_title_other_tracks",
            )
    if not train_parts:
        return pd.DataFrame(index=range(len(train_pos))), pd.DataFrame(index=range(len(test_pos)))
    return pd.concat(train_parts, axis=1), pd.concat(test_parts, axis=1)


def fold_matrices(
    frame: pd.DataFrame,
    task: Task,
    scenario: Scenario,
    train_pos: np.ndarray,
    test_pos: np.ndarray,
    settings: MLSettings,
    fold_seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and test design matrices: own features, then the derived ones."""
    own = track_matrix(frame)
    if task.kind == "classification" and scenario.artist_features:
        own[ARTIST_COLUMN] = frame[ARTIST_COLUMN].to_numpy()
    if task.kind == "regression" and scenario.structure_features:
        own = pd.concat([own, structure_matrix(frame)], axis=1)
    derived_train, derived_test = derived_features(
        frame, task, scenario, train_pos, test_pos, settings, fold_seed
    )
    train = pd.concat([own.iloc[train_pos].reset_index(drop=True), derived_train], axis=1)
    test = pd.concat([own.iloc[test_pos].reset_index(drop=True), derived_test], axis=1)
    return train, test


def multi_hot_name(column: str, genre: str) -> str:
    """The feature name of one genre's indicator: `track_genre:acoustic`."""
    return f"{column.removesuffix('s')}:{genre}"


def genre_multi_hot(
    frame: pd.DataFrame, columns: tuple[str, ...] = MULTI_HOT_COLUMNS
) -> pd.DataFrame:
    """One 0/1 column per genre of each list column, genres in name order.

    The vocabulary is every genre the catalog lists, whichever tracks are being predicted:
    a listing is catalog structure, not a popularity label.
    """
    blocks = []
    for column in columns:
        lists = frame[column].reset_index(drop=True)
        long = lists.explode().dropna()
        genres = sorted(long.unique())
        values = np.zeros((len(lists), len(genres)))
        codes = pd.Categorical(long.to_numpy(), categories=genres).codes
        values[long.index.to_numpy(dtype=np.int64), codes] = 1.0
        names = [multi_hot_name(column, genre) for genre in genres]
        blocks.append(pd.DataFrame(values, columns=names))
    return pd.concat(blocks, axis=1)


def structure_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """The catalog-structure features and the genre multi-hot, as floats (missing = NaN)."""
    return pd.concat([track_matrix(frame, STRUCTURE_FEATURES), genre_multi_hot(frame)], axis=1)
