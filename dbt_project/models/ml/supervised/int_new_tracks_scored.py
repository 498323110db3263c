"""Score the accepted new tracks with the cold-start models of this build's training run.

Depends on int_ml_models_trained and loads the scoring models of the run folder it names
(<models_dir>/ml/<run id>/bundle.joblib), whether the run was trained now or reused
(models_ml.scoring.scored_new_tracks).
"""


def model(dbt, session):
    dbt.config(materialized="table")

    from models_ml.scoring import scored_new_tracks

    run = dbt.ref("int_ml_models_trained").df()
    new_tracks = dbt.ref("int_new_tracks_validated").filter("is_accepted").df()
    return scored_new_tracks(run, new_tracks)
