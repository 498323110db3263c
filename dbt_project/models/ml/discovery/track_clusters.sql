{#- Every track's audio cluster (k-means on the standardized audio features; cluster 0 is
    the largest) and its distance to the cluster centre in that space. -#}
with

clusters as (
    select * from {{ discovery_current_run('track_clusters') }}
),

final as (
    select
        cast(run_id as varchar)            as run_id,
        cast(track_id as varchar)          as track_id,
        cast(cluster as integer)           as cluster,
        cast(distance_to_centre as double) as distance_to_centre
    from clusters
)

select * from final
