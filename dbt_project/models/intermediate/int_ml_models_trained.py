"""Train and evaluate every ML model; one row per training run (this run).

The work is done by models_ml.training.run: grouped cross-validation of the baseline, the
reference RF and the best model for each task and scenario, explanations, and the fit of
the cold-start models that score new tracks. Its long tables go to the models folder
(<models_dir>/evaluation/*.parquet) and are published by the ml.* SQL models, which read
them for this run id only; the fitted models go to <models_dir>/scoring/.
"""

import json

import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")

    from models_ml import artifacts, training
    from models_ml.config import MLSettings

    tracks = dbt.ref("int_tracks_labelled").df()
    overrides = json.loads(dbt.config.get("ml_settings") or "{}")
    settings = MLSettings.from_overrides(overrides)
    models_root = artifacts.models_dir(dbt.config.get("models_dir"))
    runs, timings = training.run(tracks, settings, models_root)

    first = runs.iloc[0]
    return pd.DataFrame(
        [
            {
                "run_id": first["run_id"],
                "data_fingerprint": first["data_fingerprint"],
                "trained_at": first["trained_at"],
                "n_tracks": len(tracks),
                "settings": first["settings"],
                "models_dir": str(models_root),
                "evaluation_seconds": timings["evaluation_seconds"],
                "scoring_fit_seconds": timings["scoring_fit_seconds"],
                "total_seconds": timings["total_seconds"],
                "peak_memory_mib": timings["peak_memory_mib"],
            }
        ]
    )
