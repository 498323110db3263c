{#- One row per (release year, playlist genre). A track in playlists of two genres counts
    in both, so a year's shares can add up to more than 1. -#}
with

tracks as (
    select track_id, release_year, popularity from {{ ref('fct_track_features') }}
    where release_year is not null
),

playlist_genres as (
    select track_id, genre as playlist_genre from {{ ref('bridge_track_genres') }}
    where taxonomy = 'playlist_genre'
),

year_genre_tracks as (
    select
        tracks.release_year,
        playlist_genres.playlist_genre,
        tracks.track_id,
        tracks.popularity
    from tracks
    inner join playlist_genres
        on tracks.track_id = playlist_genres.track_id
),

year_totals as (
    select
        release_year,
        count(distinct track_id) as year_track_count
    from year_genre_tracks
    group by release_year
),

genre_year_stats as (
    select
        release_year,
        playlist_genre,
        count(*)                                     as track_count,
        avg(cast(popularity as {{ double_type() }})) as avg_popularity
    from year_genre_tracks
    group by release_year, playlist_genre
),

final as (
    select
        genre_year_stats.release_year,
        genre_year_stats.playlist_genre,
        cast(genre_year_stats.track_count as integer)                                            as track_count,
        cast(year_totals.year_track_count as integer)                                            as year_track_count,
        cast(genre_year_stats.track_count as {{ double_type() }}) / year_totals.year_track_count as share_of_year,
        cast(genre_year_stats.avg_popularity as {{ double_type() }})                             as avg_popularity
    from genre_year_stats
    inner join year_totals
        on genre_year_stats.release_year = year_totals.release_year
)

select * from final
