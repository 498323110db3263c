-- Each genre's mean audio features, and how far each sits from the all-track mean in
-- standard deviations of the track-level values (z), so features of different scales compare.
with

genre_means as (
    unpivot (
        select taxonomy, genre, avg_danceability, avg_energy, avg_loudness, avg_speechiness,
               avg_acousticness, avg_instrumentalness, avg_liveness, avg_valence, avg_tempo,
               avg_duration_sec
        from marts.mart_genre_popularity
    )
    on columns(* exclude (taxonomy, genre))
    into name measure value genre_mean
),

track_values as (
    unpivot (
        select danceability, energy, loudness, speechiness, acousticness, instrumentalness,
               liveness, valence, tempo, duration_sec
        from marts.fct_track_features
    )
    on columns(*)
    into name feature value track_value
),

overall as (
    select feature, avg(track_value) as overall_mean, stddev_samp(track_value) as overall_std
    from track_values
    group by feature
),

final as (
    select
        genre_means.taxonomy,
        genre_means.genre,
        overall.feature,
        genre_means.genre_mean,
        overall.overall_mean,
        (genre_means.genre_mean - overall.overall_mean) / nullif(overall.overall_std, 0) as z_score
    from genre_means
    inner join overall on genre_means.measure = 'avg_' || overall.feature
)

select * from final
order by taxonomy, genre, feature
