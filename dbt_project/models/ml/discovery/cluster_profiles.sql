{#- One row per audio cluster: size, a name generated from the features that set it apart,
    those features (standardized centre, e.g. "acousticness +1.8"), its most common genres,
    and the plain mean of each audio feature. -#}
{%- set features = ['danceability', 'energy', 'loudness', 'speechiness', 'acousticness',
                    'instrumentalness', 'liveness', 'valence', 'tempo', 'duration_sec'] %}
with

profiles as (
    select * from {{ discovery_current_run('cluster_profiles') }}
),

final as (
    select
        cast(run_id as varchar)                    as run_id,
        cast(cluster as integer)                   as cluster,
        cast(cluster_name as varchar)              as cluster_name,
        cast(track_count as integer)               as track_count,
        cast(share as double)                      as share,
        cast(distinguishing_features as varchar[]) as distinguishing_features,
        cast(top_genres as varchar[])              as top_genres,
        cast(top_playlist_genres as varchar[])     as top_playlist_genres,
        {%- for feature in features %}
        cast(avg_{{ feature }} as double)          as avg_{{ feature }}{{ "," if not loop.last }}
        {%- endfor %}
    from profiles
)

select * from final
