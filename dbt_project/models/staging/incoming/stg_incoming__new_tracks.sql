{#- One row per data line of the new-track CSVs in the incoming folder, typed like the raw
    files. Every file found is read (the on-run-start hook has checked each header); an empty
    folder gives an empty view with the same columns. Rows are not filtered: the quality layer
    decides from parse_issues and the values what is quarantined. -#}
{#- The track id of a new track is a free-text label, not parsed as a Spotify id. -#}
{%- set audio_specs = shared_parse_specs() | rejectattr('name', 'equalto', 'track_id') | list -%}
{%- set specs = audio_specs + [
    {'name': 'time_signature', 'type': 'integer'},
    {'name': 'is_explicit', 'kind': 'boolean'},
] -%}

{#- Referenced once: each source() call makes the raw_csv plugin load the file. -#}
{%- set raw_file = source('incoming', 'new_tracks') %}

with

source as (
    -- The loaded lines of every file in the incoming folder (none at all is fine). A column
    -- no file has (the optional labels, or every column when the folder is empty) comes in
    -- as NULL.
    select
        *
        {%- set columns = ['track_id', 'track_name', 'artists', 'explicit', 'time_signature'] %}
        {%- for column in missing_columns(raw_file, columns + (audio_specs | map(attribute='name') | list)) %},
        cast(null as {{ dbt.type_string() }}) as {{ column }}
        {%- endfor %}
    from {{ raw_file }}
),

renamed as (
    -- Row and line numbers count within each file (the loader's).
    select
        source_file,
        source_row_number,
        source_line_number,
        malformed_detail,
        raw_line,
        {{ raw_values_json(raw_file) }}        as raw_values,
        {{ clean_text('track_id') }}           as track_id,
        {{ clean_text('track_name') }}         as track_name,
        {{ clean_text('artists') }}            as artist_names,
        {{- shared_raw_columns(audio_specs) }},
        {{ clean_text('explicit') }}           as is_explicit_raw,
        {{ clean_text('time_signature') }}     as time_signature_raw
    from source
),

typed as (
    select
        source_file,
        source_row_number,
        source_line_number,
        malformed_detail,
        raw_line,
        track_id,
        track_name,
        artist_names,
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
        artist_names,
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
