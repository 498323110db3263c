{#- Per (run, task, scenario, model, fold, genre): how many test tracks carry the genre
    (support), how many were predicted as it, and how many of those were right. Every
    genre that is either true or predicted in the fold has a row, as in scikit-learn's
    classification report. The basis of macro precision / recall / F1. -#}
with

predictions as (
    select * from {{ ref('genre_predictions') }}
),

actual as (
    select run_id, task, scenario, model, fold, actual_genre as genre,
        count(*)                                             as support,
        sum(case when is_correct then 1 else 0 end)          as true_positives
    from predictions
    group by run_id, task, scenario, model, fold, actual_genre
),

predicted as (
    select run_id, task, scenario, model, fold, predicted_genre as genre,
        count(*)                                                as predicted_count
    from predictions
    group by run_id, task, scenario, model, fold, predicted_genre
),

final as (
    select
        coalesce(actual.run_id, predicted.run_id)              as run_id,
        coalesce(actual.task, predicted.task)                  as task,
        coalesce(actual.scenario, predicted.scenario)          as scenario,
        coalesce(actual.model, predicted.model)                as model,
        coalesce(actual.fold, predicted.fold)                  as fold,
        coalesce(actual.genre, predicted.genre)                as genre,
        cast(coalesce(actual.support, 0) as bigint)            as support,
        cast(coalesce(predicted.predicted_count, 0) as bigint) as predicted_count,
        cast(coalesce(actual.true_positives, 0) as bigint)     as true_positives
    from actual
    full outer join predicted
        on actual.run_id = predicted.run_id
        and actual.task = predicted.task
        and actual.scenario = predicted.scenario
        and actual.model = predicted.model
        and actual.fold = predicted.fold
        and actual.genre = predicted.genre
)

select * from final
