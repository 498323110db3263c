"""The training run the ML tables publish; one row. Trains only when its inputs are new.

models_ml.training.training_row fingerprints the exact input rows (int_tracks_labelled), the
ML settings, the models_ml code, the library versions and the project's version into a run
id. If the models folder already holds the complete results of that run id
(<models_dir>/ml/<run id>/, every file checked against its manifest) they are reused in
seconds; otherwise the run trains: grouped cross-validation of the baseline, the reference RF
and the best model for each task and scenario, explanations, and the cold-start models that
score new tracks, with a progress line per fit. The ml.* SQL models read the run folder this
row names.

Forcing a retrain: --vars '{ml_refresh: true}', or `dbt build --full-refresh`.
"""


def model(dbt, session):
    dbt.config(materialized="table")

    from models_ml.artifacts import BuildOptions
    from models_ml.training import training_row

    options = BuildOptions.from_dbt(
        dbt.config.get("ml_settings"),
        dbt.config.get("models_dir"),
        dbt.config.get("ml_refresh"),
        dbt.config.get("full_refresh"),
    )
    return training_row(dbt.ref("int_tracks_labelled").df(), options)
