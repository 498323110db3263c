-- How each model was trained.
select
    task, scenario, model, estimator, parameters, feature_count, features, track_count,
    class_count, fold_count, seed, data_fingerprint, run_id, trained_at, fit_seconds
from ml.model_runs
order by task, scenario, model
