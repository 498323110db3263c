{#- For every track, its 10 nearest tracks in the standardized audio space (Euclidean),
    never itself and never the same song under another id (same name and artists). -#}
with

neighbours as (
    select * from {{ discovery_current_run('similar_tracks') }}
),

final as (
    select
        cast(run_id as varchar)           as run_id,
        cast(track_id as varchar)         as track_id,
        cast(rank as integer)             as rank,
        cast(similar_track_id as varchar) as similar_track_id,
        cast(distance as double)          as distance
    from neighbours
)

select * from final
