"""The discovery run the discovery tables publish; one row. Builds only when its inputs
are new.

models_ml.discovery.discovery_row fingerprints the marts it reads (tracks with their audio
features and album keys, genres, playlist membership, artist credits), the discovery
settings, its code, the library versions and the project's version into a run id, as
training does, and reuses <models_dir>/discovery/<run id>/ when that folder is complete.
Otherwise it builds, with a progress line per step: k-means clusters of the standardized
audio features with k chosen by silhouette, the PCA map, each track's 10 nearest tracks, the
playlist recommenders evaluated on a seeded 20% hold-out of each playlist, and every
playlist's recommendations from the best of them. The ml.* discovery models read the run
folder this row names.

It runs after int_ml_models_trained (see the note in `model`), so
`dbt build --exclude int_ml_models_trained+` leaves both out. Forcing a rebuild:
--vars '{ml_refresh: true}', or `dbt build --full-refresh`.
"""


def model(dbt, session):
    dbt.config(materialized="table")

    from models_ml.artifacts import BuildOptions
    from models_ml.discovery import discovery_row

    # Run after the ML stage, never beside it: both are CPU-bound and use both cores, and
    # with dbt's 2 threads they ran at once and took 1,040 s + 250 s instead of ~570 s + 145 s
    # one after the other. The reference only orders the two; nothing is read from it.
    dbt.ref("int_ml_models_trained")

    options = BuildOptions.from_dbt(
        dbt.config.get("discovery_settings"),
        dbt.config.get("models_dir"),
        dbt.config.get("ml_refresh"),
        dbt.config.get("full_refresh"),
    )
    return discovery_row(
        dbt.ref("dim_tracks").df(),
        dbt.ref("fct_track_features").df(),
        dbt.ref("bridge_track_genres").df(),
        dbt.ref("bridge_playlist_tracks").df(),
        dbt.ref("bridge_track_artists").df(),
        options,
    )
