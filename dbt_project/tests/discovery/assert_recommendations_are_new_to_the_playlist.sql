{#- A served playlist is never recommended a track it already has. Returns the offending
    (playlist, track) pairs. -#}
with

recommendations as (
    select * from {{ ref('playlist_recommendations') }}
),

playlist_tracks as (
    select * from {{ ref('bridge_playlist_tracks') }}
),

final as (
    select
        recommendations.playlist_id,
        recommendations.track_id
    from recommendations
    inner join playlist_tracks
        on
            recommendations.playlist_id = playlist_tracks.playlist_id
            and recommendations.track_id = playlist_tracks.track_id
)

select * from final
