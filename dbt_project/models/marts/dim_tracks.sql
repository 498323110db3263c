with

tracks as (
    select * from {{ ref('int_tracks_deduplicated') }}
),

track_artists as (
    select * from {{ ref('int_track_artists_split') }}
),

{#- A song's title without what tells its versions apart: lower case, bracketed parts
    ("(feat. X)", "[Remastered]") and everything after " - " ("- Radio Edit", "- Live")
    removed, every run of characters that are neither letters nor digits (any script) made
    one space. A title that would be left empty keeps its lower-case text. -#}
{%- set bare_title -%}
    trim({{ regex_replace_all(
        regex_replace_all(
            regex_replace_all(regex_replace_all('lower(tracks.track_name)', '\([^)]*\)', ''), '\[[^\]]*\]', ''),
            ' - .*$', ''
        ),
        '[^\p{L}\p{N}]+', ' '
    ) }})
{%- endset %}

artist_summary as (
    select
        track_id,
        max(case when artist_position = 1 then artist_id end)   as primary_artist_id,
        max(case when artist_position = 1 then artist_name end) as primary_artist_name,
        count(*)                                                as artist_count
    from track_artists
    group by track_id
),

final as (
    select
        tracks.track_id,
        tracks.track_name,
        tracks.album_name,
        tracks.album_id,
        -- One album per (album name, primary artist): the tracks file has album names but no
        -- album ids, so this is the key every track has (see dim_tracks.yml).
        md5(
            lower(trim(tracks.album_name)) || '|' || artist_summary.primary_artist_id
        )                                                          as album_key,
        -- One song per (bare title, primary artist): its single, album, compilation and
        -- remastered versions share the key (see dim_tracks.yml); ML catalog folds group by it.
        md5(
            coalesce(nullif({{ bare_title }}, ''), lower(trim(tracks.track_name)))
            || '|' || artist_summary.primary_artist_id
        )                                                          as song_key,
        tracks.artist_names,
        artist_summary.primary_artist_id,
        artist_summary.primary_artist_name,
        cast(artist_summary.artist_count as integer)               as artist_count,
        tracks.is_explicit,
        cast(tracks.duration_ms as bigint)                         as duration_ms,
        cast(tracks.duration_sec as {{ double_type() }})           as duration_sec,
        tracks.release_date,
        tracks.release_date_precision,
        tracks.release_year,
        tracks.popularity,
        tracks.popularity >= {{ var('hit_popularity_threshold') }} as is_hit,
        tracks.popularity_source,
        tracks.has_conflicting_popularity,
        tracks.in_tracks_file,
        tracks.in_playlists_file,
        cast(tracks.tracks_file_row_count as integer)              as tracks_file_row_count,
        cast(tracks.playlists_file_row_count as integer)           as playlists_file_row_count
    from tracks
    left join artist_summary
        on tracks.track_id = artist_summary.track_id
)

select * from final
