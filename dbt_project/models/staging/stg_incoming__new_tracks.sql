{#- One row per row of the new-track CSVs in the incoming folder, typed like the raw files.
    Every file found is read (the on-run-start hook has checked each header); an empty folder
    gives an empty view with the same columns. Rows are not filtered: the quality layer
    decides from parse_issues and the values what is quarantined. -#}
{#- The track id of a new track is a free-text label, not parsed as a Spotify id. -#}
{%- set audio_specs = shared_parse_specs() | rejectattr('name', 'equalto', 'track_id') | list -%}
{%- set specs = audio_specs + [
    {'name': 'time_signature', 'type': 'integer'},
    {'name': 'is_explicit', 'kind': 'boolean'},
] -%}
{%- set files = raw_files(var('incoming_dir', env_var('SPOTIFY_INCOMING_DIR', 'data/incoming')) ~ '/*.csv') -%}
-- depends_on: {{ source('incoming', 'new_tracks') }}

with

{% if files | length > 0 %}
source as (
    -- Columns no file has (the optional ones) come in as NULL through the union by name.
    select * from {{ source('incoming', 'new_tracks') }}
    union all by name
    select
        cast(null as varchar) as track_id,
        cast(null as varchar) as track_name,
        cast(null as varchar) as artists
    where false
),
{% else %}
source as (
    -- No file in the incoming folder: the same columns, no rows.
    select
        {%- for column in ['filename', 'track_id', 'track_name', 'artists', 'explicit', 'time_signature'] + (audio_specs | map(attribute='name') | list) %}
        cast(null as varchar) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
),
{% endif %}

numbered as (
    -- 1-based row number over all files, in file-name order then file order.
    select
        row_number() over () as source_row_number,
        to_json(source)      as raw_values,
        source.*
    from source
),

renamed as (
    select
        source_row_number,
        raw_values,
        regexp_extract(filename, '[^/\\]*$')  as source_file,
        {{ clean_text('track_id') }}          as track_id,
        {{ clean_text('track_name') }}        as track_name,
        {{ clean_text('artists') }}           as artist_names,
        {{- shared_raw_columns(audio_specs) }},
        {{ clean_text('explicit') }}          as is_explicit_raw,
        {{ clean_text('time_signature') }}    as time_signature_raw
    from numbered
),

typed as (
    select
        source_file,
        source_row_number,
        track_id,
        track_name,
        artist_names,
        {{ parsed_columns(specs) }},
        {{ parse_issues(specs) }} as parse_issues,
        raw_values
    from renamed
),

final as (
    select
        source_file,
        source_row_number,
        track_id,
        track_name,
        artist_names,
        is_explicit,
        duration_ms,
        duration_ms / 1000.0 as duration_sec,
        {{- column_list(audio_feature_columns()) }}
        tempo,
        time_signature,
        parse_issues,
        raw_values
    from typed
)

select * from final
