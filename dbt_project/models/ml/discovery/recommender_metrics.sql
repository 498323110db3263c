{#- Precision, recall and NDCG at 10 of the five recommenders (random, most_popular,
    content, cooccurrence, hybrid) on the same hold-out. Segment all: every held-out track is
    relevant; segment cold_start_tracks: only held-out tracks that are in no training
    playlist, which co-occurrence cannot recommend by construction. -#}
with

metrics as (
    select * from {{ discovery_current_run('recommender_metrics') }}
),

final as (
    select
        cast(run_id as varchar)         as run_id,
        cast(segment as varchar)        as segment,
        cast(method as varchar)         as method,
        cast(metric as varchar)         as metric,
        cast(value as double)           as value,
        cast(playlist_count as integer) as playlist_count
    from metrics
)

select * from final
