{#- Precision, recall and NDCG at 10 of the seven recommenders (random, most_popular, content,
    cooccurrence, artist, album, hybrid) on the same hold-out, with a 95% bootstrap interval
    over playlists. Segment all: every held-out track is relevant; cold_start_tracks: only
    held-out tracks in no training playlist, which co-occurrence cannot recommend by
    construction; new_artists: only held-out tracks crediting no artist of the playlist's
    visible tracks, which artist and album affinity cannot recommend. -#}
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
        cast(lower_95 as double)        as lower_95,
        cast(upper_95 as double)        as upper_95,
        cast(playlist_count as integer) as playlist_count
    from metrics
)

select * from final
