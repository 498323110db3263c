{#- The sensitivity analysis: for each audio feature, the best model's mean prediction over a
    sample of held-out tracks (fold 0) when that feature is set to each grid value and the
    others keep their values. Genre models give the mean probability of every genre
    (class_label); the popularity model the mean predicted popularity (class_label NULL). -#}
with

curves as (
    select * from {{ ml_current_run('partial_dependence') }}
),

final as (
    select
        run_id,
        task,
        scenario,
        model,
        feature,
        cast(grid_value as double)      as grid_value,
        cast(class_label as varchar)    as class_label,
        cast(mean_prediction as double) as mean_prediction
    from curves
)

select * from final
