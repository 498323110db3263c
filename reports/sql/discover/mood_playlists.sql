-- The 10 best-matching popular tracks of every mood.
select mood, mood_rank, track_name, artist_names, popularity, mood_description
from marts.mart_mood_playlists
where mood_rank <= 10
order by mood, mood_rank
