{#- Pairwise Pearson r over the continuous audio features and popularity, over all tracks.
    Both orders of every pair and the diagonal are present, so a heatmap needs no pivoting
    logic. pair_count is the number of tracks where both values are known (tempo is NULL
    where it was not detected). -#}
{%- set features = var('continuous_features') -%}

with

tracks as (
    select * from {{ ref('fct_track_features') }}
),

pair_stats as (
    select
        {%- for x in features %}{% set i = loop.index %}
        {%- for y in features if loop.index >= i %}
        corr({{ x }}, {{ y }})                                                       as r__{{ x }}__{{ y }},
        sum(case when {{ x }} is not null and {{ y }} is not null then 1 else 0 end) as n__{{ x }}__{{ y }}
        {{- ',' if not (loop.last and i == features | length) }}
        {%- endfor %}
        {%- endfor %}
    from tracks
),

pair_list as (
    -- Every ordered pair, and the stat_key of its unordered pair in pair_stats.
    {%- for x in features %}{% set i = loop.index %}
    {%- for y in features %}
    select
        '{{ x }}'                                                 as feature_x,
        '{{ y }}'                                                 as feature_y,
        '{{ x ~ '__' ~ y if loop.index >= i else y ~ '__' ~ x }}' as stat_key
    {% if not (loop.last and i == features | length) %}union all{% endif %}
    {%- endfor %}
    {%- endfor %}
),

pairs as (
    -- One pass over the tracks (pair_stats is a single row), read by one join: an engine
    -- that inlines CTEs (Spark) would otherwise aggregate once per pair.
    select
        pair_list.feature_x,
        pair_list.feature_y,
        case pair_list.stat_key
            {%- for x in features %}{% set i = loop.index %}
            {%- for y in features if loop.index >= i %}
            when '{{ x }}__{{ y }}' then pair_stats.r__{{ x }}__{{ y }}
            {%- endfor %}
            {%- endfor %}
        end as pearson_r,
        case pair_list.stat_key
            {%- for x in features %}{% set i = loop.index %}
            {%- for y in features if loop.index >= i %}
            when '{{ x }}__{{ y }}' then pair_stats.n__{{ x }}__{{ y }}
            {%- endfor %}
            {%- endfor %}
        end as pair_count
    from pair_list
    cross join pair_stats
),

final as (
    select
        cast(feature_x as {{ dbt.type_string() }}) as feature_x,
        cast(feature_y as {{ dbt.type_string() }}) as feature_y,
        cast(pearson_r as {{ double_type() }})     as pearson_r,
        cast(pair_count as integer)                as pair_count
    from pairs
)

select * from final
