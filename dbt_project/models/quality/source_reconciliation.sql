{#- Per source file: every raw row is accounted for, as accepted or quarantined.
    raw_rows counts the staging view (the file as read), accepted_rows the validated rows
    that move on, quarantined_rows the rows in quarantined_rows; unaccounted_rows counts raw
    rows found in neither (by row number), and must be 0. Tested in _quality__models.yml. -#}
{%- set sources = [
    ('spotify.tracks', 'stg_spotify__tracks', 'int_spotify_tracks_validated'),
    ('tidytuesday.playlist_tracks', 'stg_tidytuesday__playlist_tracks', 'int_playlist_tracks_validated'),
    ('incoming.new_tracks', 'stg_incoming__new_tracks', 'int_new_tracks_validated'),
] -%}

with

quarantined as (
    select source_name, source_row_number from {{ ref('quarantined_rows') }}
),

{% for source_name, staging_model, validated_model in sources %}
{{ source_name | replace('.', '_') }}_counts as (
    select
        '{{ source_name }}' as source_name,
        max(raw.source_file) as source_file,
        count(*) as raw_rows,
        sum(case when accepted.source_row_number is not null then 1 else 0 end) as accepted_rows,
        sum(case when quarantined.source_row_number is not null then 1 else 0 end) as quarantined_rows,
        sum(case when accepted.source_row_number is null and quarantined.source_row_number is null then 1 else 0 end) as unaccounted_rows,
        sum(case when accepted.source_row_number is not null and quarantined.source_row_number is not null then 1 else 0 end) as double_counted_rows
    from {{ ref(staging_model) }} as raw
    left join (
        select source_row_number from {{ ref(validated_model) }} where is_accepted
    ) as accepted
        on raw.source_row_number = accepted.source_row_number
    left join quarantined
        on quarantined.source_name = '{{ source_name }}'
        and raw.source_row_number = quarantined.source_row_number
),
{% endfor %}

final as (
    {%- for source_name, staging_model, validated_model in sources %}
    select
        source_name,
        source_file,
        cast(raw_rows as bigint)         as raw_rows,
        cast(accepted_rows as bigint)    as accepted_rows,
        cast(quarantined_rows as bigint) as quarantined_rows,
        cast(unaccounted_rows as bigint) as unaccounted_rows,
        cast(double_counted_rows as bigint) as double_counted_rows
    from {{ source_name | replace('.', '_') }}_counts
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from final
