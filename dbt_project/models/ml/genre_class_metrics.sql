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
        cast(support as bigint)         as support,
        cast(predicted_count as bigint) as predicted_count,
        cast(true_positives as bigint)  as true_positives,
        cast(case when predicted_count > 0 then true_positives / predicted_count else 0 end as double) as precision,
        cast(case when support > 0 then true_positives / support else 0 end as double)                 as recall,
        cast(case when support + predicted_count > 0
            then 2.0 * true_positives / (support + predicted_count) else 0 end as double)              as f1
    from pooled
)

select * from final
