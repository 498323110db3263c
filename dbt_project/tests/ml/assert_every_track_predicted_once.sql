{#- Every track that carries a task's label gets exactly one out-of-fold prediction from each
    model in each scenario: none missing, none predicted twice (so no track was in two test
    folds). Rows returned are (task, scenario, model) whose count is off. -#}
with

labelled as (
    select
        count(track_genre)    as track_genre,
        count(playlist_genre) as playlist_genre,
        count(popularity)     as popularity
    from {{ ref('int_tracks_labelled') }}
),

predicted as (
    select task, scenario, model, count(*) as predictions, count(distinct track_id) as tracks
    from {{ ref('genre_predictions') }}
    group by task, scenario, model
    union all
    select 'popularity' as task, scenario, model, count(*) as predictions, count(distinct track_id) as tracks
    from {{ ref('popularity_predictions') }}
    group by scenario, model
),

expected as (
    select
        predicted.*,
        case predicted.task
            when 'track_genre' then labelled.track_genre
            when 'playlist_genre' then labelled.playlist_genre
            else labelled.popularity
        end as expected_tracks
    from predicted
    cross join labelled
)

select * from expected
where predictions <> expected_tracks or tracks <> expected_tracks
