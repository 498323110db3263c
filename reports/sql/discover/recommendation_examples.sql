-- For the longest playlist of each playlist genre, the hybrid's first 5 recommendations
-- (all its tracks visible) and why each was picked.
with

examples as (
    select
        playlist_id,
        playlist_name,
        playlist_genre,
        track_count,
        row_number() over (
            partition by playlist_genre order by track_count desc, playlist_id
        ) as genre_position
    from marts.dim_playlists
)

select
    examples.playlist_genre,
    examples.playlist_name,
    examples.track_count,
    picks.rank,
    tracks.track_name,
    tracks.artist_names,
    picks.reason_text as reason
from examples
inner join ml.playlist_recommendations as picks on examples.playlist_id = picks.playlist_id
inner join marts.dim_tracks as tracks on picks.track_id = tracks.track_id
where examples.genre_position = 1 and picks.rank <= 5
order by examples.playlist_genre, picks.rank
