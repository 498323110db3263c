"""The training run the ML tables publish; one row. Trains only when its inputs are new.

models_ml.training.run fingerprints the exact input rows (int_tracks_labelled), the ML
settings, the models_ml code and the library versions into a run id. If the models folder
already holds the complete results of that run id (<models_dir>/ml/<run id>/, every file
checked against its manifest) they are reused in seconds; otherwise the run trains: grouped
cross-validation of the baseline, the reference RF and the best model for each task and
scenario, explanations, and the cold-start models that score new tracks, with a progress
line per fit. The ml.* SQL models read the run folder this row names.

Forcing a retrain: --vars '{ml_refresh: true}', or `dbt build --full-refresh`.
"""

import json

import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")

    from models_ml import artifacts, training
    from models_ml.config import MLSettings, refresh_forced
    from models_ml.progress import dbt_console

    tracks = dbt.ref("int_tracks_labelled").df()
    settings = MLSettings.from_overrides(json.loads(dbt.config.get("ml_settings") or "{}"))
    summary = training.run(
        tracks,
        settings,
        artifacts.models_dir(dbt.config.get("models_dir")),
        force=refresh_forced(dbt.config.get("ml_refresh"), dbt.config.get("full_refresh")),
        emit=dbt_console,
    )
    return pd.DataFrame([summary])
