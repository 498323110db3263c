{#- What the axes of ml.track_embedding_2d mean: for each component (x, y) the share of the
    standardized audio features' variance it explains and each feature's loading. -#}
{%- set features = ['danceability', 'energy', 'loudness', 'speechiness', 'acousticness',
                    'instrumentalness', 'liveness', 'valence', 'tempo', 'duration_sec'] %}
with

components as (
    select * from {{ discovery_current_run('embedding_components') }}
),

final as (
    select
        cast(run_id as varchar)                  as run_id,
        cast(method as varchar)                  as method,
        cast(component as varchar)               as component,
        cast(explained_variance_share as double) as explained_variance_share,
        {%- for feature in features %}
        cast(loading_{{ feature }} as double)    as loading_{{ feature }}{{ "," if not loop.last }}
        {%- endfor %}
    from components
)

select * from final
