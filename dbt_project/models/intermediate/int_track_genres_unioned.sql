{#- One row per (track, taxonomy, genre) from both genre taxonomies:
      track_genre        the 114 genres of the tracks file
      playlist_genre     the 6 playlist genres of the playlist file
      playlist_subgenre  its 24 subgenres
    source_row_count says how many accepted raw rows carry the label. -#}
with

spotify_rows as (
    select track_id, track_genre from {{ ref('int_spotify_tracks_validated') }}
    where is_accepted
),

playlist_rows as (
    select track_id, playlist_genre, playlist_subgenre from {{ ref('int_playlist_tracks_validated') }}
    where is_accepted
),

labels as (
    select track_id, 'track_genre' as taxonomy, track_genre as genre from spotify_rows
    union all
    select track_id, 'playlist_genre' as taxonomy, playlist_genre as genre from playlist_rows
    union all
    select track_id, 'playlist_subgenre' as taxonomy, playlist_subgenre as genre from playlist_rows
),

final as (
    select
        track_id,
        taxonomy,
        genre,
        count(*) as source_row_count
    from labels
    group by track_id, taxonomy, genre
)

select * from final
