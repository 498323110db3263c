{#- One row per raw row of the 114-genre tracks file, typed. Rows are not filtered here:
    the quality layer decides from `parse_issues` and the values what is quarantined. -#}
{%- set specs = shared_parse_specs() + [
    {'name': 'popularity', 'type': 'integer'},
    {'name': 'time_signature', 'type': 'integer'},
    {'name': 'is_explicit', 'kind': 'boolean'},
] -%}

with

source as (
    select * from {{ source('spotify', 'tracks') }}
),

numbered as (
    -- The CSV scan preserves file order (preserve_insertion_order), so this is the
    -- 1-based data row number in the file, header excluded.
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
        {{ clean_text('track_id') }}         as track_id_raw,
        {{ clean_text('track_name') }}       as track_name,
        {{ clean_text('album_name') }}       as album_name,
        {{ clean_text('artists') }}          as artist_names,
        {{ clean_text('track_genre') }}      as track_genre,
        {{ clean_text('popularity') }}       as popularity_raw,
        {{ clean_text('explicit') }}         as is_explicit_raw,
        {{ clean_text('danceability') }}     as danceability_raw,
        {{ clean_text('energy') }}           as energy_raw,
        {{ clean_text('key') }}              as key_raw,
        {{ clean_text('loudness') }}         as loudness_raw,
        {{ clean_text('mode') }}             as mode_raw,
        {{ clean_text('speechiness') }}      as speechiness_raw,
        {{ clean_text('acousticness') }}     as acousticness_raw,
        {{ clean_text('instrumentalness') }} as instrumentalness_raw,
        {{ clean_text('liveness') }}         as liveness_raw,
        {{ clean_text('valence') }}          as valence_raw,
        {{ clean_text('tempo') }}            as tempo_raw,
        {{ clean_text('time_signature') }}   as time_signature_raw,
        {{ clean_text('duration_ms') }}      as duration_ms_raw
    from numbered
),

typed as (
    select
        '{{ var("tracks_file") }}' as source_file,
        source_row_number,
        track_name,
        album_name,
        artist_names,
        track_genre,
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
        album_name,
        artist_names,
        track_genre,
        popularity,
        is_explicit,
        duration_ms,
        duration_ms / 1000.0 as duration_sec,
        danceability,
        energy,
        key,
        loudness,
        mode,
        speechiness,
        acousticness,
        instrumentalness,
        liveness,
        valence,
        tempo,
        time_signature,
        parse_issues,
        raw_values
    from typed
)

select * from final
