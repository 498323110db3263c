-- Every track that is among the 10 most popular of at least one genre, with those genres.
with

top_tracks as (
    select
        track_id,
        any_value(track_name)                      as track_name,
        any_value(artist_names)                    as artist_names,
        any_value(album_name)                      as album_name,
        any_value(release_year)                    as release_year,
        any_value(popularity)                      as popularity,
        list(struct_pack(taxonomy := taxonomy, genre := genre, genre_rank := genre_rank)
             order by taxonomy, genre_rank, genre) as top_in
    from marts.mart_genre_top_tracks
    group by track_id
)

select * from top_tracks
order by popularity desc, track_name, track_id
