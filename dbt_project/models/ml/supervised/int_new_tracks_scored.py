"""Score the accepted new tracks with the cold-start models of this build's training run.

Depends on int_ml_models_trained and loads the scoring models of the run folder it names
(<models_dir>/ml/<run id>/bundle.joblib), whether the run was trained now or reused.
"""

from pathlib import Path

import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")

    from models_ml import artifacts, scoring

    run = dbt.ref("int_ml_models_trained").df()
    new_tracks = dbt.ref("int_new_tracks_validated").filter("is_accepted").df()
    run_id = run["run_id"].iloc[0]
    bundle, metadata = artifacts.load_bundle(Path(run["run_folder"].iloc[0]))
    if metadata["run_id"] != run_id:
        raise RuntimeError(
            f"{run['run_folder'].iloc[0]}: saved models belong to run {metadata['run_id']}, "
            f"not to this build's run {run_id}; rebuild with `dbt build`."
        )
    scores = scoring.score(bundle, new_tracks.reset_index(drop=True))
    identity = new_tracks[
        ["source_file", "source_row_number", "track_id", "track_name", "artist_names"]
    ].reset_index(drop=True)
    out = pd.concat([identity, scores], axis=1)
    out["run_id"] = metadata["run_id"]
    return out
