{#- One out-of-fold popularity prediction per (run, scenario, model, track). -#}
with

predictions as (
    select * from {{ ml_current_run('popularity_predictions') }}
),

final as (
    select
        run_id,
        scenario,
        model,
        track_id,
        cast(fold as integer)                                    as fold,
        cast(actual_popularity as double)                        as actual_popularity,
        cast(predicted_popularity as double)                     as predicted_popularity,
        cast(predicted_popularity - actual_popularity as double) as residual
    from predictions
)

select * from final
