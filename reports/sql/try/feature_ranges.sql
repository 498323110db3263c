-- The distribution of each input of the page over the catalog: the sliders span the 1st to
-- the 99th percentile, the number boxes the whole range, the defaults are the medians, and
-- the mean and standard deviation scale the distances to the nearest tracks.
with

features as (
    select
        danceability,
        energy,
        cast(key as double)            as key,
        loudness,
        cast(mode as double)           as mode,
        speechiness,
        acousticness,
        instrumentalness,
        liveness,
        valence,
        tempo,
        cast(time_signature as double) as time_signature,
        duration_sec,
        cast(is_explicit as double)    as is_explicit
    from marts.fct_track_features
),

long as (
    unpivot features on columns(*) into name feature value value
),

final as (
    select
        feature,
        min(value)                       as min_value,
        quantile_cont(value, 0.01)       as p01_value,
        quantile_disc(value, 0.5)        as median_value,
        quantile_cont(value, 0.99)       as p99_value,
        max(value)                       as max_value,
        avg(value order by value)        as mean_value,
        stddev_pop(value order by value) as std_value
    from long
    group by feature
)

select * from final
order by feature
