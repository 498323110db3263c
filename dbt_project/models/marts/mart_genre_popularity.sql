{#- One row per (taxonomy, genre): how popular the genre's tracks are and what they sound
    like. A track counts once in every genre it carries. -#}
with

tracks as (
    select * from {{ ref('fct_track_features') }}
),

track_genres as (
    select track_id, taxonomy, genre from {{ ref('bridge_track_genres') }}
),

genre_tracks as (
    select
        track_genres.taxonomy,
        track_genres.genre,
        tracks.*
    from track_genres
    inner join tracks
        on track_genres.track_id = tracks.track_id
),

genre_stats as (
    select
        taxonomy,
        genre,
        count(*)                                                                             as track_count,
        avg(cast(popularity as {{ double_type() }}))                                         as avg_popularity,
        percentile_cont(0.5) within group (order by popularity)                              as median_popularity,
        percentile_cont(0.9) within group (order by popularity)                              as p90_popularity,
        avg(case when popularity >= {{ var('hit_popularity_threshold') }} then 1 else 0 end) as hit_share,
        {%- for feature in var('profile_features') %}
        avg(cast({{ feature }} as {{ double_type() }}))
            as avg_{{ feature }}{{ ',' if not loop.last }}
        {%- endfor %}
    from genre_tracks
    group by taxonomy, genre
),

final as (
    select
        taxonomy,
        genre,
        cast(track_count as integer)                                                      as track_count,
        cast(avg_popularity as {{ double_type() }})                                       as avg_popularity,
        cast(median_popularity as {{ double_type() }})                                    as median_popularity,
        cast(p90_popularity as {{ double_type() }})                                       as p90_popularity,
        cast(hit_share as {{ double_type() }})                                            as hit_share,
        {%- for feature in var('profile_features') %}
        cast(avg_{{ feature }} as {{ double_type() }})                                    as avg_{{ feature }},
        {%- endfor %}
        cast(rank() over (partition by taxonomy order by avg_popularity desc) as integer) as popularity_rank
    from genre_stats
)

select * from final
