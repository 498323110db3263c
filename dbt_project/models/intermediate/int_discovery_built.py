"""Build the discovery tables: audio clusters, the 2-D map, similar tracks, and the
playlist recommenders with their hold-out evaluation; one row per run (this run).

The work is done by models_ml.discovery.build_discovery on three marts (tracks with their
audio features, genres, playlist membership). Its tables go to <models_dir>/discovery/ as
Parquet and are published by the ml.* SQL models for this run id only, as the ML layer's
evaluation tables are. It runs after int_ml_models_trained (see the note in `model`), so
`dbt build --exclude int_ml_models_trained+` leaves both out.
"""

import hashlib
import json
import time
from datetime import UTC, datetime

import pandas as pd


def _fingerprint(*frames):
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def model(dbt, session):
    dbt.config(materialized="table")

    from models_ml import artifacts
    from models_ml.discovery import DiscoverySettings, build_discovery, write_discovery

    # Run after the ML stage, never beside it: both are CPU-bound and use both cores, and
    # with dbt's 2 threads they ran at once and took 1,040 s + 250 s instead of ~570 s + 145 s
    # one after the other. The reference only orders the two; nothing is read from it.
    dbt.ref("int_ml_models_trained")

    settings = DiscoverySettings.from_overrides(
        json.loads(dbt.config.get("discovery_settings") or "{}")
    )
    names = dbt.ref("dim_tracks").df()[["track_id", "track_name", "artist_names", "popularity"]]
    features = dbt.ref("fct_track_features").df()[["track_id", *settings.audio_features]]
    tracks = names.merge(features, on="track_id").sort_values("track_id", ignore_index=True)
    genres = dbt.ref("bridge_track_genres").df()[["track_id", "taxonomy", "genre"]]
    genres = genres.sort_values(["track_id", "taxonomy", "genre"], ignore_index=True)
    playlists = dbt.ref("bridge_playlist_tracks").df()[["playlist_id", "track_id"]]
    playlists = playlists.sort_values(["playlist_id", "track_id"], ignore_index=True)

    started = time.perf_counter()
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    data_fingerprint = _fingerprint(tracks, genres, playlists)
    run_id = hashlib.sha256(
        f"{data_fingerprint}|{settings.digest()}|{artifacts.code_fingerprint()}".encode()
    ).hexdigest()[:12]
    tables = build_discovery(tracks, genres, playlists, settings)
    folder = artifacts.models_dir(dbt.config.get("models_dir")) / "discovery"
    write_discovery({name: frame.assign(run_id=run_id) for name, frame in tables.items()}, folder)

    return pd.DataFrame(
        [
            {
                "run_id": run_id,
                "data_fingerprint": data_fingerprint,
                "built_at": built_at,
                "n_tracks": len(tracks),
                "n_playlist_rows": len(playlists),
                "settings": settings.as_json(),
                "models_dir": str(folder),
                "total_seconds": time.perf_counter() - started,
            }
        ]
    )
