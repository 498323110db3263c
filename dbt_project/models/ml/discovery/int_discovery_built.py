"""The discovery run the discovery tables publish; one row. Builds only when its inputs
are new.

models_ml.discovery.run_discovery fingerprints the three marts it reads (tracks with their audio
features, genres, playlist membership), the discovery settings, its code and the library
versions into a run id, and reuses <models_dir>/discovery/<run id>/ when that folder is
complete. Otherwise it builds, with a progress line per step: k-means clusters of the
standardized audio features with k chosen by silhouette, the PCA map, each track's 10
nearest tracks, and the playlist recommenders evaluated on a seeded 20% hold-out of each
playlist. The ml.* discovery models read the run folder this row names.

It runs after int_ml_models_trained (see the note in `model`), so
`dbt build --exclude int_ml_models_trained+` leaves both out. Forcing a rebuild:
--vars '{ml_refresh: true}', or `dbt build --full-refresh`.
"""

import json

import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")

    from models_ml import artifacts
    from models_ml.config import refresh_forced
    from models_ml.discovery import DiscoverySettings, run_discovery
    from models_ml.progress import dbt_console

    # Run after the ML stage, never beside it: both are CPU-bound and use both cores, and
    # with dbt's 2 threads they ran at once and took 1,040 s + 250 s instead of ~570 s + 145 s
    # one after the other. The reference only orders the two; nothing is read from it.
    dbt.ref("int_ml_models_trained")

    settings = DiscoverySettings.from_overrides(
        json.loads(dbt.config.get("discovery_settings") or "{}")
    )
    names = dbt.ref("dim_tracks").df()[["track_id", "track_name", "artist_names", "popularity"]]
    features = dbt.ref("fct_track_features").df()[["track_id", *settings.audio_features]]
    tracks = names.merge(features, on="track_id")
    genres = dbt.ref("bridge_track_genres").df()[["track_id", "taxonomy", "genre"]]
    playlists = dbt.ref("bridge_playlist_tracks").df()[["playlist_id", "track_id"]]
    summary = run_discovery(
        tracks,
        genres,
        playlists,
        settings,
        artifacts.models_dir(dbt.config.get("models_dir")),
        force=refresh_forced(dbt.config.get("ml_refresh"), dbt.config.get("full_refresh")),
        emit=dbt_console,
    )
    return pd.DataFrame([summary])
