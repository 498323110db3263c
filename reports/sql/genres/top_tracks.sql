-- The 10 most popular tracks of each genre.
select taxonomy, genre, genre_rank, track_id, track_name, artist_names, release_year, popularity
from marts.mart_genre_top_tracks
order by taxonomy, genre, genre_rank
