-- The same per decade: yearly means weighted by the year's track count.
select
    release_decade,
    cast(sum(track_count) as integer)                      as track_count,
    sum(avg_popularity * track_count) / sum(track_count)   as avg_popularity,
    sum(avg_danceability * track_count) / sum(track_count) as avg_danceability,
    sum(avg_energy * track_count) / sum(track_count)       as avg_energy,
    sum(avg_acousticness * track_count) / sum(track_count) as avg_acousticness,
    sum(avg_valence * track_count) / sum(track_count)      as avg_valence,
    sum(avg_speechiness * track_count) / sum(track_count)  as avg_speechiness,
    sum(avg_loudness * track_count) / sum(track_count)     as avg_loudness,
    sum(avg_duration_sec * track_count) / sum(track_count) as avg_duration_sec
from marts.mart_release_year_trends
group by release_decade
order by release_decade
