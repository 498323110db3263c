{#- One row per album release year (known only for tracks of the playlist file). -#}
with

tracks as (
    select * from {{ ref('fct_track_features') }}
    where release_year is not null
),

year_stats as (
    select
        release_year,
        count(*)                                                                             as track_count,
        avg(cast(popularity as {{ double_type() }}))                                         as avg_popularity,
        avg(case when popularity >= {{ var('hit_popularity_threshold') }} then 1 else 0 end) as hit_share,
        {%- for feature in var('profile_features') %}
        avg(cast({{ feature }} as {{ double_type() }}))                                      as avg_{{ feature }},
        {%- endfor %}
        sum(case when is_explicit is not null then 1 else 0 end)
            as explicit_known_count,
        avg(case when is_explicit then 1 when not is_explicit then 0 end)                    as explicit_share
    from tracks
    group by release_year
),

final as (
    select
        release_year,
        cast(floor(release_year / 10) * 10 as integer) as release_decade,
        cast(track_count as integer)                   as track_count,
        cast(avg_popularity as {{ double_type() }})    as avg_popularity,
        cast(hit_share as {{ double_type() }})         as hit_share,
        {%- for feature in var('profile_features') %}
        cast(avg_{{ feature }} as {{ double_type() }}) as avg_{{ feature }},
        {%- endfor %}
        cast(explicit_known_count as integer)          as explicit_known_count,
        cast(explicit_share as {{ double_type() }})    as explicit_share
    from year_stats
)

select * from final
