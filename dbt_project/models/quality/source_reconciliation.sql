{#- Per source: every data line of its files is accounted for, as accepted or quarantined.
    data_lines is the position of each file's last data line (the loader numbers every line,
    malformed ones included), summed over the source's files; raw_rows counts the staging
    view's rows (the lines as read); accepted_rows the validated rows that move on;
    quarantined_rows the rows in quarantined_rows, malformed_lines those of them that were
    not a CSV record. unaccounted_rows counts lines found in neither (matched by source, file
    and line), double_counted_rows lines found in both; both must be 0. Every source gets
    its row, also when it has no lines (an empty incoming folder). Tested in
    _quality__models.yml. -#}
{%- set sources = [
    ('spotify.tracks', 'stg_spotify__tracks', 'int_spotify_tracks_validated'),
    ('tidytuesday.playlist_tracks', 'stg_tidytuesday__playlist_tracks', 'int_playlist_tracks_validated'),
    ('incoming.new_tracks', 'stg_incoming__new_tracks', 'int_new_tracks_validated'),
] -%}

with

source_names as (
    {%- for source_name, staging_model, validated_model in sources %}
    select '{{ source_name }}' as source_name
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

staged_lines as (
    {%- for source_name, staging_model, validated_model in sources %}
    select
        '{{ source_name }}' as source_name,
        source_file,
        source_row_number
    from {{ ref(staging_model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

accepted_lines as (
    {%- for source_name, staging_model, validated_model in sources %}
    select
        '{{ source_name }}' as source_name,
        source_file,
        source_row_number
    from {{ ref(validated_model) }}
    where is_accepted
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

quarantined as (
    select
        source_name,
        source_file,
        source_row_number,
        malformed_detail
    from {{ ref('quarantined_rows') }}
),

lines_with_verdicts as (
    select
        staged_lines.source_name,
        staged_lines.source_file,
        staged_lines.source_row_number,
        accepted_lines.source_row_number is not null as is_accepted,
        quarantined.source_row_number is not null    as is_quarantined,
        quarantined.malformed_detail is not null     as is_malformed
    from staged_lines
    left join accepted_lines
        on
            staged_lines.source_name = accepted_lines.source_name
            and staged_lines.source_file = accepted_lines.source_file
            and staged_lines.source_row_number = accepted_lines.source_row_number
    left join quarantined
        on
            staged_lines.source_name = quarantined.source_name
            and staged_lines.source_file = quarantined.source_file
            and staged_lines.source_row_number = quarantined.source_row_number
),

file_last_lines as (
    select
        source_name,
        source_file,
        max(source_row_number) as last_row_number
    from staged_lines
    group by source_name, source_file
),

data_lines as (
    select
        source_name,
        sum(last_row_number) as data_lines
    from file_last_lines
    group by source_name
),

counts as (
    select
        source_name,
        min(source_file)                                                        as source_file,
        count(distinct source_file)                                             as file_count,
        count(*)                                                                as raw_rows,
        sum(case when is_accepted then 1 else 0 end)                            as accepted_rows,
        sum(case when is_quarantined then 1 else 0 end)                         as quarantined_rows,
        sum(case when is_malformed then 1 else 0 end)                           as malformed_lines,
        sum(case when not is_accepted and not is_quarantined then 1 else 0 end) as unaccounted_rows,
        sum(case when is_accepted and is_quarantined then 1 else 0 end)         as double_counted_rows
    from lines_with_verdicts
    group by source_name
),

final as (
    select
        source_names.source_name,
        counts.source_file,
        cast(coalesce(counts.file_count, 0) as bigint)          as file_count,
        cast(coalesce(data_lines.data_lines, 0) as bigint)      as data_lines,
        cast(coalesce(counts.raw_rows, 0) as bigint)            as raw_rows,
        cast(coalesce(counts.accepted_rows, 0) as bigint)       as accepted_rows,
        cast(coalesce(counts.quarantined_rows, 0) as bigint)    as quarantined_rows,
        cast(coalesce(counts.malformed_lines, 0) as bigint)     as malformed_lines,
        cast(coalesce(counts.unaccounted_rows, 0) as bigint)    as unaccounted_rows,
        cast(coalesce(counts.double_counted_rows, 0) as bigint) as double_counted_rows
    from source_names
    left join counts
        on source_names.source_name = counts.source_name
    left join data_lines
        on source_names.source_name = data_lines.source_name
)

select * from final
