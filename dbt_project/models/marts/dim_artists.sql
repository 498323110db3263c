with

track_artists as (
    select * from {{ ref('int_track_artists_split') }}
),

tracks as (
    select track_id, popularity from {{ ref('int_tracks_deduplicated') }}
),

artist_stats as (
    select
        track_artists.artist_id,
        min(track_artists.artist_name)                                                              as artist_name,
        count(*)                                                                                    as track_count,
        sum(case when track_artists.artist_position = 1 then 1 else 0 end)
            as primary_track_count,
        avg(cast(tracks.popularity as {{ double_type() }}))                                         as avg_popularity,
        max(tracks.popularity)                                                                      as max_popularity,
        sum(case when tracks.popularity >= {{ var('hit_popularity_threshold') }} then 1 else 0 end) as hit_track_count
    from track_artists
    inner join tracks
        on track_artists.track_id = tracks.track_id
    group by track_artists.artist_id
),

final as (
    select
        artist_id,
        artist_name,
        cast(track_count as integer)                as track_count,
        cast(primary_track_count as integer)        as primary_track_count,
        cast(avg_popularity as {{ double_type() }}) as avg_popularity,
        cast(max_popularity as integer)             as max_popularity,
        cast(hit_track_count as integer)            as hit_track_count
    from artist_stats
)

select * from final
