with

track_artists as (
    select * from {{ ref('int_track_artists_split') }}
),

final as (
    select
        track_id,
        artist_id,
        artist_position,
        artist_position = 1 as is_primary_artist
    from track_artists
)

select * from final
