-- How strongly each audio feature separates the 6 playlist genres: eta squared, the share of
-- the feature's variance that lies between the genre means (one-way ANOVA effect size).
with

values_by_genre as (
    unpivot (
        select genres.genre, features.danceability, features.energy, features.loudness,
               features.speechiness, features.acousticness, features.instrumentalness,
               features.liveness, features.valence, features.tempo, features.duration_sec
        from marts.bridge_track_genres as genres
        inner join marts.fct_track_features as features on features.track_id = genres.track_id
        where genres.taxonomy = 'playlist_genre'
    )
    on columns(* exclude (genre))
    into name feature value feature_value
),

with_means as (
    select
        feature,
        genre,
        feature_value,
        avg(feature_value) over (partition by feature, genre) as genre_mean,
        avg(feature_value) over (partition by feature)        as overall_mean
    from values_by_genre
),

separation as (
    select
        feature,
        sum(power(genre_mean - overall_mean, 2)) / nullif(sum(power(feature_value - overall_mean, 2)), 0) as eta_squared
    from with_means
    group by feature
),

extremes as (
    select
        feature,
        arg_max(genre, genre_mean) as highest_genre,
        max(genre_mean)            as highest_mean,
        arg_min(genre, genre_mean) as lowest_genre,
        min(genre_mean)            as lowest_mean
    from (select distinct feature, genre, genre_mean from with_means) as genre_means
    group by feature
)

select separation.feature, separation.eta_squared, extremes.highest_genre, extremes.highest_mean,
       extremes.lowest_genre, extremes.lowest_mean
from separation
inner join extremes on extremes.feature = separation.feature
order by separation.eta_squared desc
