{#- Every raw line of every file that failed validation, with every reason that applies and
    the row's raw values as read (JSON), so an analyst can see and fix the source. A line that
    is not a CSV record has the one reason malformed_line, what was wrong (malformed_detail)
    and its text (raw_line). -#}
{%- set validated_models = [
    ('spotify.tracks', 'int_spotify_tracks_validated'),
    ('tidytuesday.playlist_tracks', 'int_playlist_tracks_validated'),
    ('incoming.new_tracks', 'int_new_tracks_validated'),
] -%}

with

rejected as (
    {%- for source_name, model in validated_models %}
    select
        '{{ source_name }}'                         as source_name,
        source_file,
        source_row_number,
        source_line_number,
        {{ json_text('raw_values', '$.track_id') }} as raw_track_id,
        rejection_reasons,
        malformed_detail,
        raw_line,
        raw_values
    from {{ ref(model) }}
    where not is_accepted
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        source_name,
        source_file,
        source_row_number,
        source_line_number,
        raw_track_id,
        rejection_reasons,
        cast({{ split_count('rejection_reasons', ';') }} as integer) as reason_count,
        malformed_detail,
        raw_line,
        raw_values
    from rejected
)

select * from final
