"""Score the accepted new tracks with the cold-start models this build just saved.

Depends on int_ml_models_trained so the models in <models_dir>/scoring/ are this run's.
"""

import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")

    from models_ml import artifacts, scoring

    run = dbt.ref("int_ml_models_trained").df()
    new_tracks = dbt.ref("int_new_tracks_validated").filter("is_accepted").df()
    models_root = artifacts.models_dir(dbt.config.get("models_dir"))
    bundle, metadata = artifacts.load_bundle(models_root / artifacts.SCORING)
    if metadata["run_id"] != run["run_id"].iloc[0]:
        raise RuntimeError(
            f"{models_root}: saved models belong to run {metadata['run_id']}, not to this "
            f"build's run {run['run_id'].iloc[0]}; rebuild with `dbt build`."
        )
    scores = scoring.score(bundle, new_tracks.reset_index(drop=True))
    identity = new_tracks[
        ["source_file", "source_row_number", "track_id", "track_name", "artist_names"]
    ].reset_index(drop=True)
    out = pd.concat([identity, scores], axis=1)
    out["run_id"] = metadata["run_id"]
    return out
