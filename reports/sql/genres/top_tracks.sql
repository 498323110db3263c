-- The 10 most popular tracks of each genre (ties broken by name, then id).
with

ranked as (
    select
        genres.taxonomy,
        genres.genre,
        tracks.track_id,
        tracks.track_name,
        tracks.artist_names,
        tracks.release_year,
        tracks.popularity,
        row_number() over (
            partition by genres.taxonomy, genres.genre
            order by tracks.popularity desc nulls last, tracks.track_name, tracks.track_id
        ) as genre_rank
    from marts.bridge_track_genres as genres
    inner join marts.dim_tracks as tracks on tracks.track_id = genres.track_id
)

select * from ranked
where genre_rank <= 10
order by taxonomy, genre, genre_rank
