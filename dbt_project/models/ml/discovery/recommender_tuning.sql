{#- What was chosen before the hold-out was scored, and on what evidence: the content scoring
    and the hybrid re-ranker's settings, with their metrics on a validation split carved from
    the training part of each playlist (never the hold-out). -#}
with

tuning as (
    select * from {{ discovery_current_run('recommender_tuning') }}
),

final as (
    select
        cast(run_id as varchar)         as run_id,
        cast(method as varchar)         as method,
        cast(setting as varchar)        as setting,
        cast(metric as varchar)         as metric,
        cast(value as double)           as value,
        cast(playlist_count as integer) as playlist_count,
        cast(is_chosen as boolean)      as is_chosen
    from tuning
)

select * from final
