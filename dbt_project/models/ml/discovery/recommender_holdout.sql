{#- The evaluation split of the playlist recommenders: every (playlist, track) pair of the
    evaluated playlists, and whether it was held out (20% of each playlist, fixed seed). -#}
with

holdout as (
    select * from {{ discovery_current_run('recommender_holdout') }}
),

final as (
    select
        cast(run_id as varchar)      as run_id,
        cast(playlist_id as varchar) as playlist_id,
        cast(track_id as varchar)    as track_id,
        cast(is_held_out as boolean) as is_held_out
    from holdout
)

select * from final
