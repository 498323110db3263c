{#- The criterion behind the number of clusters: for every k tried, the silhouette score on
    a fixed sample of tracks and the k-means inertia; is_chosen marks the highest silhouette. -#}
with

scores as (
    select * from {{ discovery_current_run('cluster_k_scores') }}
),

final as (
    select
        cast(run_id as varchar)    as run_id,
        cast(k as integer)         as k,
        cast(silhouette as double) as silhouette,
        cast(inertia as double)    as inertia,
        cast(is_chosen as boolean) as is_chosen
    from scores
)

select * from final
