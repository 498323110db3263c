{#- Ten tracks for every playlist from the hybrid recommender, all the playlist's tracks
    visible, with the reason each was picked: what `python -m models_ml recommend --playlist`
    prints. -#}
with

recommendations as (
    select * from {{ discovery_current_run('playlist_recommendations') }}
),

final as (
    select
        cast(run_id as varchar)         as run_id,
        cast(playlist_id as varchar)    as playlist_id,
        cast(rank as integer)           as rank,
        cast(track_id as varchar)       as track_id,
        cast(score as double)           as score,
        cast(reason as varchar)         as reason,
        case reason
            when 'same_album'
                then 'same album as ' || cast(album_matches as integer) || ' of its tracks'
            when 'same_artist'
                then 'same artist as ' || cast(artist_matches as integer) || ' of its tracks'
            when 'played_together' then 'often in playlists with its tracks'
            else 'sounds like its tracks'
        end                             as reason_text,
        cast(album_matches as integer)  as album_matches,
        cast(artist_matches as integer) as artist_matches,
        cast(cooccurrence as double)    as cooccurrence,
        cast(content as double)         as content_similarity
    from recommendations
)

select * from final
