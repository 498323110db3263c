{#- One row per data line of the 114-genre tracks file, typed. Rows are not filtered here:
    the quality layer uses `parse_issues` and the values to decide what is quarantined. A
    malformed line (the loader's malformed_detail) comes through with NULL values. -#}
{%- set specs = shared_parse_specs() + [
    {'name': 'popularity', 'type': 'integer'},
    {'name': 'time_signature', 'type': 'integer'},
    {'name': 'is_explicit', 'kind': 'boolean'},
] -%}

{#- Referenced once: each source() call makes the raw_csv plugin load the file. -#}
{%- set raw_file = source('spotify', 'tracks') %}

with

source as (
    select * from {{ raw_file }}
),

renamed as (
    -- source_row_number / source_line_number: the line's position in the file, given by
    -- the loader, so they never shift after a malformed line.
    select
        source_file,
        source_row_number,
        source_line_number,
        malformed_detail,
        raw_line,
        {{ raw_values_json(raw_file) }}    as raw_values,
        {{- shared_raw_columns() }},
        {{ clean_text('track_name') }}     as track_name,
        {{ clean_text('album_name') }}     as album_name,
        {{ clean_text('artists') }}        as artist_names,
        {{ clean_text('track_genre') }}    as track_genre,
        {{ clean_text('popularity') }}     as popularity_raw,
        {{ clean_text('explicit') }}       as is_explicit_raw,
        {{ clean_text('time_signature') }} as time_signature_raw
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
        album_name,
        artist_names,
        track_genre,
        {{ parsed_columns(specs) }},
        {{ parse_issues(specs) }}   as parse_issues,
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
        album_name,
        artist_names,
        track_genre,
        popularity,
        is_explicit,
        duration_ms,
        duration_ms / cast(1000 as {{ double_type() }}) as duration_sec,
        {{- column_list(audio_feature_columns()) }}
        tempo,
        time_signature,
        parse_issues,
        malformed_detail,
        raw_line,
        raw_values
    from typed
)

select * from final
