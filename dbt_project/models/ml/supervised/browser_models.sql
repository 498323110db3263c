{#- One row per task: the small network the report site's "try a track" page runs in the
    reader's browser (models_ml/browser_models.py), fitted on every labelled track, as the
    JSON the page reads. Its cross-validated quality is in model_metrics (model browser_mlp,
    scenario cold_start). -#}
with

browser_models as (
    select * from {{ ml_current_run('browser_models') }}
),

final as (
    select
        run_id,
        task,
        model,
        cast(hidden_layer_sizes as integer[]) as hidden_layer_sizes,
        cast(alpha as double)                 as alpha,
        cast(seed as bigint)                  as seed,
        cast(training_iterations as integer)  as training_iterations,
        parameters_json,
        cast(json_bytes as integer)           as json_bytes
    from browser_models
)

select * from final
