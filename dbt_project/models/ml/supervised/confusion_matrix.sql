{#- Per (run, task, scenario, model, true genre, predicted genre): how many tracks, over all
    out-of-fold predictions. Only pairs that occur have a row. -#}
with

predictions as (
    select * from {{ ref('genre_predictions') }}
),

pairs as (
    select
        run_id, task, scenario, model, actual_genre, predicted_genre,
        count(*) as track_count
    from predictions
    group by run_id, task, scenario, model, actual_genre, predicted_genre
),

final as (
    select
        run_id,
        task,
        scenario,
        model,
        actual_genre,
        predicted_genre,
        cast(track_count as bigint) as track_count,
        cast(track_count / sum(track_count) over (
            partition by run_id, task, scenario, model, actual_genre
        ) as double)                as share_of_actual
    from pairs
)

select * from final
