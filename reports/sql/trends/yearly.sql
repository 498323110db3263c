-- Tracks, popularity and mean audio features per release year.
select
    release_year,
    release_decade,
    track_count,
    avg_popularity,
    hit_share,
    avg_danceability,
    avg_energy,
    avg_loudness,
    avg_speechiness,
    avg_acousticness,
    avg_instrumentalness,
    avg_liveness,
    avg_valence,
    avg_tempo,
    avg_duration_sec,
    explicit_share
from marts.mart_release_year_trends
order by release_year
