{#- One row per (track, artist): the tracks file lists every artist separated by ';', the
    playlist file only the first. Position 1 is the primary artist. An artist named twice on
    one track keeps its first position. The data has no Spotify artist ids, so an artist is
    identified by its exact (trimmed) name; two artists sharing a name are one artist here. -#}
with

tracks as (
    select track_id, artist_names from {{ ref('int_tracks_deduplicated') }}
),

exploded as (
    select
        tracks.track_id,
        trim(artist.artist_name) as artist_name,
        artist.artist_position
    from {{ split_to_rows('tracks', 'artist_names', ';', 'artist', 'artist_name', 'artist_position') }}
),

first_mentions as (
    select
        track_id,
        artist_name,
        min(artist_position) as artist_position
    from exploded
    where artist_name <> ''
    group by track_id, artist_name
),

final as (
    select
        track_id,
        {{ dbt.hash('artist_name') }}                                                       as artist_id,
        artist_name,
        cast(row_number() over (partition by track_id order by artist_position) as integer) as artist_position
    from first_mentions
)

select * from final
