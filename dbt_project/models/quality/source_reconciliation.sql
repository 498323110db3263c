{#- Per source: every data line of its files is accounted for, as accepted or quarantined.
    data_lines is the position of each file's last data line (the loader numbers every line,
    malformed ones included), summed over the source's files; raw_rows counts the staging
    view's rows (the lines as read); accepted_rows the validated rows that move on;
    quarantined_rows the rows in quarantined_rows, malformed_lines those of them that were
    not a CSV record. unaccounted_rows counts lines found in neither (matched by file and
    line), double_counted_rows lines found in both; both must be 0. Tested in
    _quality__models.yml. -#}
{%- set sources = [
    ('spotify.tracks', 'stg_spotify__tracks', 'int_spotify_tracks_validated'),
    ('tidytuesday.playlist_tracks', 'stg_tidytuesday__playlist_tracks', 'int_playlist_tracks_validated'),
    ('incoming.new_tracks', 'stg_incoming__new_tracks', 'int_new_tracks_validated'),
] -%}

with

quarantined as (
    select source_name, source_file, source_row_number, malformed_detail
    from {{ ref('quarantined_rows') }}
),

{% for source_name, staging_model, validated_model in sources %}
{%- set cte = source_name | replace('.', '_') %}
{{ cte }}_files as (
    select source_file, max(source_row_number) as last_row_number
    from {{ ref(staging_model) }}
    group by source_file
),

{{ cte }}_counts as (
    select
        '{{ source_name }}' as source_name,
        min(raw.source_file) as source_file,
        count(distinct raw.source_file) as file_count,
        count(*) as raw_rows,
        sum(case when accepted.source_row_number is not null then 1 else 0 end) as accepted_rows,
        sum(case when quarantined.source_row_number is not null then 1 else 0 end) as quarantined_rows,
        sum(case when quarantined.malformed_detail is not null then 1 else 0 end) as malformed_lines,
        sum(case when accepted.source_row_number is null and quarantined.source_row_number is null then 1 else 0 end) as unaccounted_rows,
        sum(case when accepted.source_row_number is not null and quarantined.source_row_number is not null then 1 else 0 end) as double_counted_rows
    from {{ ref(staging_model) }} as raw
    left join (
        select source_file, source_row_number from {{ ref(validated_model) }} where is_accepted
    ) as accepted
        on raw.source_file = accepted.source_file
        and raw.source_row_number = accepted.source_row_number
    left join quarantined
        on quarantined.source_name = '{{ source_name }}'
        and raw.source_file = quarantined.source_file
        and raw.source_row_number = quarantined.source_row_number
),
{% endfor %}

final as (
    {%- for source_name, staging_model, validated_model in sources %}
    {%- set cte = source_name | replace('.', '_') %}
    select
        counts.source_name,
        counts.source_file,
        cast(counts.file_count as bigint)          as file_count,
        cast(coalesce((select sum(last_row_number) from {{ cte }}_files), 0) as bigint) as data_lines,
        cast(counts.raw_rows as bigint)            as raw_rows,
        cast(coalesce(counts.accepted_rows, 0) as bigint)       as accepted_rows,
        cast(coalesce(counts.quarantined_rows, 0) as bigint)    as quarantined_rows,
        cast(coalesce(counts.malformed_lines, 0) as bigint)     as malformed_lines,
        cast(coalesce(counts.unaccounted_rows, 0) as bigint)    as unaccounted_rows,
        cast(coalesce(counts.double_counted_rows, 0) as bigint) as double_counted_rows
    from {{ cte }}_counts as counts
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from final
