"""Score the accepted new tracks with the cold-start models this build just saved.

Depends on int_ml_models_trained and loads the models of its run id
(<models_dir>/scoring/<run id>/).
"""

import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")

    from models_ml import artifacts, scoring

    run = dbt.ref("int_ml_models_trained").df()
    new_tracks = dbt.ref("int_new_tracks_validated").filter("is_accepted").df()
    models_root = artifacts.models_dir(dbt.config.get("models_dir"))
    run_id = run["run_id"].iloc[0]
    bundle, metadata = artifacts.load_bundle(artifacts.scoring_dir(models_root, run_id))
    if metadata["run_id"] != run_id:
        raise RuntimeError(
            f"{models_root}: saved models belong to run {metadata['run_id']}, not to this "
            f"build's run {run_id}; rebuild with `dbt build`."
        )
    scores = scoring.score(bundle, new_tracks.reset_index(drop=True))
    identity = new_tracks[
        ["source_file", "source_row_number", "track_id", "track_name", "artist_names"]
    ].reset_index(drop=True)
    out = pd.concat([identity, scores], axis=1)
    out["run_id"] = metadata["run_id"]
    return out
