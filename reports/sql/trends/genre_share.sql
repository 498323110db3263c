-- Share of each year's tracks per playlist genre.
select release_year, playlist_genre, track_count, share_of_year, avg_popularity
from marts.mart_genre_year_trends
order by release_year, playlist_genre
