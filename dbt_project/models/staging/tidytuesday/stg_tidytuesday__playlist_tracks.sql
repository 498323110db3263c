{#- One row per data line of the TidyTuesday playlist file, typed. R wrote missing text as
    'NA', which becomes NULL here. Rows are not filtered: the quality layer decides. A
    malformed line (the loader's malformed_detail) comes through with NULL values. -#}
{%- set specs = shared_parse_specs() + [
    {'name': 'popularity', 'type': 'integer'},
    {'name': 'release_date', 'kind': 'date', 'required': false},
] -%}

{#- Referenced once: each source() call makes the raw_csv plugin load the file. -#}
{%- set raw_file = source('tidytuesday', 'playlist_tracks') %}

with

source as (
    select * from {{ raw_file }}
),

renamed as (
    -- The line's position in the file comes from the loader (never shifts).
    select
        source_file,
        source_row_number,
        source_line_number,
        malformed_detail,
        raw_line,
        {{ raw_values_json(raw_file) }}                      as raw_values,
        {{- shared_raw_columns() }},
        {{ clean_text('track_name', ['NA']) }}               as track_name,
        {{ clean_text('track_artist', ['NA']) }}             as artist_name,
        {{ clean_text('track_album_id') }}                   as album_id,
        {{ clean_text('track_album_name', ['NA']) }}         as album_name,
        {{ clean_text('playlist_id') }}                      as playlist_id,
        {{ clean_text('playlist_name', ['NA']) }}            as playlist_name,
        {{ clean_text('playlist_genre') }}                   as playlist_genre,
        {{ clean_text('playlist_subgenre') }}                as playlist_subgenre,
        {{ clean_text('track_popularity') }}                 as popularity_raw,
        {{ clean_text('track_album_release_date', ['NA']) }} as release_date_raw
    from source
),

typed as (
    select
        source_file,
        source_row_number,
        source_line_number,
        malformed_detail,
        raw_line,
        track_name,
        artist_name,
        album_id,
        album_name,
        playlist_id,
        playlist_name,
        playlist_genre,
        playlist_subgenre,
        {{ release_date_precision('release_date_raw') }} as release_date_precision_raw,
        {{ parsed_columns(specs) }},
        {{ parse_issues(specs) }}                        as parse_issues,
        raw_values
    from renamed
),

final as (
    select
        source_file,
        source_row_number,
        source_line_number,
        track_id,
        track_name,
        artist_name,
        album_id,
        album_name,
        playlist_id,
        playlist_name,
        playlist_genre,
        playlist_subgenre,
        popularity,
        duration_ms,
        duration_ms / cast(1000 as {{ double_type() }})                        as duration_sec,
        release_date,
        case when release_date is not null then release_date_precision_raw end as release_date_precision,
        cast(extract(year from release_date) as integer)                       as release_year,
        {{- column_list(audio_feature_columns()) }}
        tempo,
        parse_issues,
        malformed_detail,
        raw_line,
        raw_values
    from typed
)

select * from final
