{#- One row per (run, task, scenario, model): what was trained, on what, and how long the
    five fold fits took together. -#}
with

runs as (
    select * from {{ ml_current_run('model_runs') }}
),

final as (
    select
        run_id,
        task,
        scenario,
        model,
        json_extract_string(parameters, '$.estimator') as estimator,
        parameters,
        cast(features as varchar[])                    as features,
        cast(len(features) as integer)                 as feature_count,
        cast(n_tracks as integer)                      as track_count,
        cast(n_classes as integer)                     as class_count,
        cast(n_folds as integer)                       as fold_count,
        cast(seed as bigint)                           as seed,
        data_fingerprint,
        cast(trained_at as timestamp with time zone)   as trained_at,
        cast(fit_seconds as double)                    as fit_seconds
    from runs
)

select * from final
