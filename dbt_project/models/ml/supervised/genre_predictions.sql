{#- One out-of-fold prediction per (run, task, scenario, model, track): the track was in the
    test fold `fold` and the model that predicted it was trained on the other folds only. -#}
with

predictions as (
    select * from {{ ml_current_run('genre_predictions') }}
),

final as (
    select
        run_id,
        task,
        scenario,
        model,
        track_id,
        cast(fold as integer)                         as fold,
        actual_genre,
        cast(actual_genres as varchar[])              as actual_genres,
        predicted_genre,
        cast(predicted_probability as double)         as predicted_probability,
        cast(actual_genre_probability as double)      as actual_genre_probability,
        cast(actual_genre_rank as integer)            as actual_genre_rank,
        predicted_genre = actual_genre                as is_correct,
        list_contains(actual_genres, predicted_genre) as is_any_genre_correct,
        cast(top_genres as varchar[])                 as top_genres,
        cast(top_probabilities as double[])           as top_probabilities
    from predictions
)

select * from final
