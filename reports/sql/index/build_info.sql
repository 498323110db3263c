-- When the warehouse and the models were built.
select
    builds.built_at_utc,
    builds.dbt_version,
    (select max(trained_at) from ml.model_runs) as models_trained_at,
    (select max(run_id) from ml.model_runs)     as model_run_id
from operations.warehouse_builds as builds
