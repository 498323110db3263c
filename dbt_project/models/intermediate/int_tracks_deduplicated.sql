{#-
    One row per track id across both files, from accepted rows only.

    Which row speaks for a track:
      * Within a file, a track's rows differ only in the genre or playlist they were
        collected under, except popularity, which was captured at different times (720 ids
        in the tracks file carry several values). The representative row is the one with the
        highest popularity, ties broken by the earliest row in the file (the first file by
        name, when the source is a glob of several).
      * Across files, the 114-genre tracks file wins for names, artists, popularity and audio
        features (all taken from its one representative row, never mixed): it is the newer
        export (2022 vs January 2020) and lists every artist, not just the first. The
        playlist file alone supplies album id and release date.
    So `popularity` is the highest value observed in the tracks file, else in the playlist
    file; `has_conflicting_popularity` flags ids whose accepted rows disagree.
-#}
{%- set feature_columns = ['duration_ms', 'duration_sec'] + audio_feature_columns() + ['tempo', 'is_tempo_undetected'] -%}

with

spotify_rows as (
    select * from {{ ref('int_spotify_tracks_validated') }}
    where is_accepted
),

playlist_rows as (
    select * from {{ ref('int_playlist_tracks_validated') }}
    where is_accepted
),

spotify_ranked as (
    select
        *,
        row_number() over (
            partition by track_id order by popularity desc, source_file, source_row_number
        )                                     as row_rank,
        count(*) over (partition by track_id) as row_count
    from spotify_rows
),

playlist_ranked as (
    select
        *,
        row_number() over (
            partition by track_id order by popularity desc, source_file, source_row_number
        )                                     as row_rank,
        count(*) over (partition by track_id) as row_count
    from playlist_rows
),

spotify_tracks as (
    select * from spotify_ranked where row_rank = 1
),

playlist_tracks as (
    select * from playlist_ranked where row_rank = 1
),

popularity_values as (
    select track_id, popularity from spotify_rows
    union
    select track_id, popularity from playlist_rows
),

popularity_conflicts as (
    select
        track_id,
        count(*) > 1 as has_conflicting_popularity
    from popularity_values
    group by track_id
),

merged as (
    select
        coalesce(s.track_id, p.track_id)                                             as track_id,
        coalesce(s.track_name, p.track_name)                                         as track_name,
        coalesce(s.album_name, p.album_name)                                         as album_name,
        p.album_id,
        coalesce(s.artist_names, p.artist_name)                                      as artist_names,
        coalesce(s.popularity, p.popularity)                                         as popularity,
        case when s.track_id is not null then 'tracks' else 'playlists' end          as popularity_source,
        s.is_explicit,
        {%- for column in feature_columns %}
        case when s.track_id is not null then s.{{ column }} else p.{{ column }} end as {{ column }},
        {%- endfor %}
        s.time_signature,
        coalesce(s.is_time_signature_undetected, false)                              as is_time_signature_undetected,
        p.release_date,
        p.release_date_precision,
        p.release_year,
        s.track_id is not null                                                       as in_tracks_file,
        p.track_id is not null                                                       as in_playlists_file,
        coalesce(s.row_count, 0)                                                     as tracks_file_row_count,
        coalesce(p.row_count, 0)                                                     as playlists_file_row_count
    from spotify_tracks as s
    full outer join playlist_tracks as p
        on s.track_id = p.track_id
),

final as (
    select
        merged.*,
        popularity_conflicts.has_conflicting_popularity
    from merged
    inner join popularity_conflicts
        on merged.track_id = popularity_conflicts.track_id
)

select * from final
