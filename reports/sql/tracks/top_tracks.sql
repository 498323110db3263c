-- Every track that is among the 10 most popular of at least one genre, with those genres.
with

ranked as (
    select
        genres.taxonomy,
        genres.genre,
        genres.track_id,
        row_number() over (
            partition by genres.taxonomy, genres.genre
            order by tracks.popularity desc nulls last, tracks.track_name, tracks.track_id
        ) as genre_rank
    from marts.bridge_track_genres as genres
    inner join marts.dim_tracks as tracks on tracks.track_id = genres.track_id
),

top_tracks as (
    select
        track_id,
        list(struct_pack(taxonomy := taxonomy, genre := genre, genre_rank := genre_rank)
             order by taxonomy, genre_rank, genre) as top_in
    from ranked
    where genre_rank <= 10
    group by track_id
)

select
    tracks.track_id,
    tracks.track_name,
    tracks.artist_names,
    tracks.album_name,
    tracks.release_year,
    tracks.popularity,
    top_tracks.top_in
from top_tracks
inner join marts.dim_tracks as tracks on tracks.track_id = top_tracks.track_id
order by tracks.popularity desc, tracks.track_name, tracks.track_id
