-- For the 3 most popular tracks of each playlist genre, their 5 nearest tracks by audio.
with

leaders as (
    select genre, genre_rank, track_id, track_name, artist_names
    from marts.mart_genre_top_tracks
    where taxonomy = 'playlist_genre' and genre_rank <= 3
)

select
    leaders.genre,
    leaders.genre_rank   as seed_rank,
    leaders.track_name   as seed_track_name,
    leaders.artist_names as seed_artist_names,
    neighbours.rank,
    tracks.track_name,
    tracks.artist_names,
    tracks.popularity,
    neighbours.distance
from leaders
inner join ml.similar_tracks as neighbours on neighbours.track_id = leaders.track_id
inner join marts.dim_tracks as tracks on tracks.track_id = neighbours.similar_track_id
where neighbours.rank <= 5
order by leaders.genre, leaders.genre_rank, neighbours.rank
