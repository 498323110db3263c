{#- How the hybrid's content weight and the content scoring were chosen: their metrics on a
    validation split carved from the training part of each playlist (never the hold-out). -#}
with

tuning as (
    select * from {{ discovery_current_run('recommender_tuning') }}
),

final as (
    select
        cast(run_id as varchar)          as run_id,
        cast(method as varchar)          as method,
        cast(content_scoring as varchar) as content_scoring,
        cast(hybrid_weight as double)    as hybrid_weight,
        cast(metric as varchar)          as metric,
        cast(value as double)            as value,
        cast(playlist_count as integer)  as playlist_count,
        cast(is_chosen as boolean)       as is_chosen
    from tuning
)

select * from final
