-- For each genre, the 5 genres of the same taxonomy with the closest audio profile:
-- Euclidean distance between the genres' mean features, each standardized over the genres.
with

genre_means as (
    unpivot (
        select taxonomy, genre, avg_danceability, avg_energy, avg_loudness, avg_speechiness,
               avg_acousticness, avg_instrumentalness, avg_liveness, avg_valence, avg_tempo
        from marts.mart_genre_popularity
    )
    on columns(* exclude (taxonomy, genre))
    into name feature value genre_mean
),

standardized as (
    select
        taxonomy,
        genre,
        feature,
        (genre_mean - avg(genre_mean) over (partition by taxonomy, feature))
            / nullif(stddev_samp(genre_mean) over (partition by taxonomy, feature), 0) as z
    from genre_means
),

distances as (
    select
        a.taxonomy,
        a.genre,
        b.genre                                                  as other_genre,
        sqrt(sum(power(coalesce(a.z, 0) - coalesce(b.z, 0), 2))) as distance
    from standardized as a
    inner join standardized as b
        on a.taxonomy = b.taxonomy and a.feature = b.feature and a.genre <> b.genre
    group by a.taxonomy, a.genre, b.genre
),

ranked as (
    select
        *,
        row_number() over (partition by taxonomy, genre order by distance, other_genre) as nearest_rank
    from distances
)

select * from ranked
where nearest_rank <= 5
order by taxonomy, genre, nearest_rank
