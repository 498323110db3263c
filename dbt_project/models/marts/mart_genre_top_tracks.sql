{#-
    One row per (taxonomy, genre, rank): the `genre_top_tracks` (10) most popular tracks of
    every genre, ties broken by track name, then id, so the list is stable between builds.
    The genre report's drill-down pages and its track search read this, and so can analysts
    ("the top 10 of k-pop").
-#}
with

track_genres as (
    select track_id, taxonomy, genre from {{ ref('bridge_track_genres') }}
),

tracks as (
    select track_id, track_name, artist_names, album_name, release_year, popularity
    from {{ ref('dim_tracks') }}
),

ranked as (
    select
        track_genres.taxonomy,
        track_genres.genre,
        tracks.*,
        row_number() over (
            partition by track_genres.taxonomy, track_genres.genre
            order by tracks.popularity desc nulls last, tracks.track_name nulls last, tracks.track_id
        ) as genre_rank
    from track_genres
    inner join tracks
        on track_genres.track_id = tracks.track_id
),

final as (
    select
        taxonomy,
        genre,
        cast(genre_rank as integer) as genre_rank,
        track_id,
        track_name,
        artist_names,
        album_name,
        release_year,
        popularity
    from ranked
    where genre_rank <= {{ var('genre_top_tracks') }}
)

select * from final
