{#-
    One row per playlist of the playlist file. A few playlist ids appear under more than one
    name, genre or subgenre (the file repeats a playlist for each subgenre it was collected
    under): the most frequent value is kept, ties broken alphabetically, and the number of
    distinct genres is kept to show it.
-#}
with

playlist_rows as (
    select playlist_id, playlist_name, playlist_genre, playlist_subgenre, track_id
    from {{ ref('int_playlist_tracks_validated') }}
    where is_accepted
),

{%- for attribute in ['playlist_name', 'playlist_genre', 'playlist_subgenre'] %}

{{ attribute }}_ranked as (
    select
        playlist_id,
        {{ attribute }},
        row_number() over (
            partition by playlist_id order by count(*) desc, {{ attribute }} nulls last
        ) as value_rank
    from playlist_rows
    group by playlist_id, {{ attribute }}
),
{%- endfor %}

playlist_stats as (
    select
        playlist_id,
        count(distinct track_id)       as track_count,
        count(distinct playlist_genre) as genre_count
    from playlist_rows
    group by playlist_id
),

final as (
    select
        playlist_stats.playlist_id,
        names.playlist_name,
        genres.playlist_genre,
        subgenres.playlist_subgenre,
        cast(playlist_stats.genre_count as integer) as genre_count,
        cast(playlist_stats.track_count as integer) as track_count
    from playlist_stats
    inner join playlist_name_ranked as names
        on names.playlist_id = playlist_stats.playlist_id and names.value_rank = 1
    inner join playlist_genre_ranked as genres
        on genres.playlist_id = playlist_stats.playlist_id and genres.value_rank = 1
    inner join playlist_subgenre_ranked as subgenres
        on subgenres.playlist_id = playlist_stats.playlist_id and subgenres.value_rank = 1
)

select * from final
