{#- Every track on a 2-D map of its audio features (method pca: the first two principal
    components of the standardized features), for scatter plots. -#}
with

embedding as (
    select * from {{ discovery_current_run('track_embedding_2d') }}
),

final as (
    select
        cast(run_id as varchar)   as run_id,
        cast(track_id as varchar) as track_id,
        cast(method as varchar)   as method,
        cast(x as double)         as x,
        cast(y as double)         as y
    from embedding
)

select * from final
