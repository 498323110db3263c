-- Headline counts of the catalog.
select
    (select count(*) from marts.dim_tracks)                        as track_count,
    (select count(*) from marts.dim_artists)                       as artist_count,
    (select count(distinct genre) from marts.bridge_track_genres where taxonomy = 'track_genre')
        as track_genre_count,
    (select count(distinct genre) from marts.bridge_track_genres where taxonomy = 'playlist_genre')
        as playlist_genre_count,
    (select count(distinct genre) from marts.bridge_track_genres where taxonomy = 'playlist_subgenre')
        as playlist_subgenre_count,
    (select min(release_year) from marts.mart_release_year_trends) as first_year,
    (select max(release_year) from marts.mart_release_year_trends) as last_year,
    (select count(*) from marts.mart_release_year_trends)          as year_count
