-- Genres ranked by mean popularity, per taxonomy, with the all-track mean for comparison.
select
    genres.taxonomy,
    genres.genre,
    genres.popularity_rank,
    genres.track_count,
    genres.avg_popularity,
    genres.hit_share,
    (select avg(popularity) from marts.dim_tracks) as catalog_avg_popularity,
    count(*) over (partition by genres.taxonomy)   as genre_count
from marts.mart_genre_popularity as genres
order by genres.taxonomy, genres.popularity_rank
