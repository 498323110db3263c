{#- Per (run, task, scenario, model, genre): precision, recall and F1 over all out-of-fold
    predictions (the five test folds pooled). A genre never predicted has precision 0,
    as scikit-learn reports it (zero_division=0). -#}
with

tallies as (
    select * from {{ ref('int_genre_predictions_tallied') }}
),

pooled as (
    select
        run_id, task, scenario, model, genre,
        sum(support)         as support,
        sum(predicted_count) as predicted_count,
        sum(true_positives)  as true_positives
    from tallies
    group by run_id, task, scenario, model, genre
),

final as (
    select
        run_id,
        task,
        scenario,
        model,
        genre,
        cast(support as bigint)                        as support,
        cast(predicted_count as bigint)                as predicted_count,
        cast(true_positives as bigint)                 as true_positives,
        cast({{ class_score('precision') }} as double) as precision,
        cast({{ class_score('recall') }} as double)    as recall,
        cast({{ class_score('f1') }} as double)        as f1
    from pooled
)

select * from final
