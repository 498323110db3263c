-- Popularity leaderboard of every genre, per taxonomy.
select
    taxonomy,
    genre,
    popularity_rank,
    track_count,
    avg_popularity,
    median_popularity,
    p90_popularity,
    hit_share
from marts.mart_genre_popularity
order by taxonomy, popularity_rank
