{#- The leakage guard of the protocol. Within a scenario a track sits in one test fold for
    every task and model (so it is never in the training folds of the model that predicts
    it), and in the cold-start scenario every primary artist sits in one fold (no artist on
    both sides). Rows returned are violations. -#}
with

folds as (
    select run_id, scenario, track_id, fold from {{ ref('genre_predictions') }}
    union all
    select run_id, scenario, track_id, fold from {{ ref('popularity_predictions') }}
),

track_violations as (
    select run_id, scenario, 'track' as grouping, track_id as group_key, count(distinct fold) as folds
    from folds
    group by run_id, scenario, track_id
    having count(distinct fold) > 1
),

artist_violations as (
    select folds.run_id, folds.scenario, 'primary_artist' as grouping,
        tracks.primary_artist_id                          as group_key, count(distinct folds.fold) as folds
    from folds
    inner join {{ ref('dim_tracks') }} as tracks
        on folds.track_id = tracks.track_id
    where folds.scenario = 'cold_start'
    group by folds.run_id, folds.scenario, tracks.primary_artist_id
    having count(distinct folds.fold) > 1
)

select * from track_violations
union all
select * from artist_violations
