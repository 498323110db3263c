-- Popularity quantiles of the tracks of each genre (a track counts in each of its genres).
select
    genres.taxonomy,
    genres.genre,
    count(*)                               as track_count,
    quantile_cont(tracks.popularity, 0.10) as p10,
    quantile_cont(tracks.popularity, 0.25) as p25,
    quantile_cont(tracks.popularity, 0.50) as median,
    quantile_cont(tracks.popularity, 0.75) as p75,
    quantile_cont(tracks.popularity, 0.90) as p90,
    avg(tracks.popularity)                 as mean
from marts.bridge_track_genres as genres
inner join marts.dim_tracks as tracks on tracks.track_id = genres.track_id
where tracks.popularity is not null
group by genres.taxonomy, genres.genre
order by genres.taxonomy, median desc, genres.genre
