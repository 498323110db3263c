{#- The leakage guard of the protocol. Within a scenario a track sits in one test fold for
    every task and model (so it is never in the training folds of the model that predicts
    it); in the catalog scenario every song (dim_tracks.song_key: all versions of it) sits in
    one fold, and in the cold-start and new-track scenarios every primary artist (no song, no
    artist on both sides). Rows returned are violations. -#}
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

group_violations as (
    select
        folds.run_id,
        folds.scenario,
        case when folds.scenario = 'catalog' then 'song' else 'primary_artist' end as grouping,
        case
            when folds.scenario = 'catalog' then tracks.song_key else tracks.primary_artist_id
        end                                                                        as group_key,
        count(distinct folds.fold)                                                 as folds
    from folds
    inner join {{ ref('dim_tracks') }} as tracks
        on folds.track_id = tracks.track_id
    group by all
    having count(distinct folds.fold) > 1
),

shared_folds as (
    {#- new_track shares cold_start's folds (and its fits): a track's fold is the same in both. -#}
    select new_track.run_id, 'new_track' as scenario, 'same_fold_as_cold_start' as grouping,
        new_track.track_id                            as group_key,
        2                                             as folds
    from folds as new_track
    inner join folds as cold_start
        on new_track.run_id = cold_start.run_id
        and new_track.track_id = cold_start.track_id
        and cold_start.scenario = 'cold_start'
    where new_track.scenario = 'new_track'
        and new_track.fold != cold_start.fold
    group by all
)

select * from track_violations
union all
select * from group_violations
union all
select * from shared_folds
