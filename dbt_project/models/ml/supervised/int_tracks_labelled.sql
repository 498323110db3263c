{#- The modelling frame of the ML layer: one row per track with its features, its popularity
    and, per genre taxonomy, every genre it carries plus the one primary genre that training
    uses as its single label.

    Primary-genre rule (documented in the README): the genre under which the track appears
    most often in the source rows; ties go to the genre with fewer tracks in the catalog
    (the more specific label), then to the alphabetically first. Evaluation also scores a
    prediction as correct when it names any of the track's genres. -#}
with

genres as (
    select * from {{ ref('bridge_track_genres') }}
),

tracks as (
    select * from {{ ref('dim_tracks') }}
),

features as (
    select * from {{ ref('fct_track_features') }}
),

genre_sizes as (
    select
        taxonomy,
        genre,
        count(*) as genre_track_count
    from genres
    group by taxonomy, genre
),

genres_ranked as (
    select
        genres.track_id,
        genres.taxonomy,
        genres.genre,
        row_number() over (
            partition by genres.track_id, genres.taxonomy
            order by genres.source_row_count desc, genre_sizes.genre_track_count, genres.genre
        ) as genre_rank
    from genres
    inner join genre_sizes
        on genres.taxonomy = genre_sizes.taxonomy
        and genres.genre = genre_sizes.genre
),

playlist_tracks as (
    select * from {{ ref('bridge_playlist_tracks') }}
),

playlist_counts as (
    select
        track_id,
        count(*) as playlist_count
    from playlist_tracks
    group by track_id
),

listings as (
    select
        tracks.track_id,
        tracks.song_key,
        tracks.album_key,
        tracks.primary_artist_id,
        lower(trim(tracks.album_name))                                             as album_title,
        lower(trim(tracks.album_name)) = lower(trim(tracks.track_name))            as is_title_track,
        tracks.tracks_file_row_count + coalesce(playlist_counts.playlist_count, 0) as listing_count
    from tracks
    left join playlist_counts
        on tracks.track_id = playlist_counts.track_id
),

album_titles as (
    -- A compilation's title ("Christmas Best Hits 2022") is shared by many artists' albums.
    select
        album_title,
        count(distinct primary_artist_id) as album_title_artist_count,
        count(*)                          as album_title_track_count
    from listings
    group by album_title
),

catalog_counts as (
    select
        listings.track_id,
        count(*) over (partition by listings.song_key)                             as song_version_count,
        count(*) over (partition by listings.album_key)                            as album_track_count,
        count(*) over (partition by listings.primary_artist_id)                    as artist_track_count,
        album_titles.album_title_artist_count,
        album_titles.album_title_track_count,
        listings.is_title_track,
        -- How much the catalog lists the song (all its versions), the album and the artist.
        sum(listings.listing_count) over (partition by listings.song_key)          as song_listing_count,
        sum(listings.listing_count) over (partition by listings.album_key)         as album_listing_count,
        sum(listings.listing_count) over (partition by listings.primary_artist_id) as artist_listing_count,
        -- The track's share of its song's listings (genre searches + playlists): the
        -- version the catalog lists most is usually the one people play.
        listings.listing_count / nullif(
            sum(listings.listing_count) over (partition by listings.song_key), 0
        )                                                                          as song_listing_share
    from listings
    left join album_titles
        on listings.album_title = album_titles.album_title
),

labels as (
    select
        track_id,
        max(case when taxonomy = 'track_genre' and genre_rank = 1 then genre end)    as track_genre,
        list(genre order by genre) filter (where taxonomy = 'track_genre')           as track_genres,
        max(case when taxonomy = 'playlist_genre' and genre_rank = 1 then genre end) as playlist_genre,
        list(genre order by genre) filter (where taxonomy = 'playlist_genre')        as playlist_genres,
        list(genre order by genre) filter (where taxonomy = 'playlist_subgenre')     as playlist_subgenres
    from genres_ranked
    group by track_id
),

final as (
    select
        features.track_id,
        tracks.primary_artist_id,
        tracks.album_id,
        tracks.album_key,
        lower(trim(tracks.album_name))                          as album_title,
        tracks.song_key,
        features.popularity,
        features.is_explicit,
        features.duration_sec,
        features.danceability,
        features.energy,
        features.key,
        features.loudness,
        features.mode,
        features.speechiness,
        features.acousticness,
        features.instrumentalness,
        features.liveness,
        features.valence,
        features.tempo,
        features.time_signature,
        labels.track_genre,
        coalesce(labels.track_genres, []::varchar[])            as track_genres,
        labels.playlist_genre,
        coalesce(labels.playlist_genres, []::varchar[])         as playlist_genres,
        coalesce(labels.playlist_subgenres, []::varchar[])      as playlist_subgenres,
        tracks.tracks_file_row_count                            as genre_listing_count,
        len(coalesce(labels.track_genres, []::varchar[]))       as track_genre_count,
        len(coalesce(labels.playlist_subgenres, []::varchar[])) as playlist_subgenre_count,
        coalesce(playlist_counts.playlist_count, 0)             as playlist_count,
        catalog_counts.song_version_count,
        catalog_counts.album_track_count,
        catalog_counts.artist_track_count,
        catalog_counts.album_title_artist_count,
        catalog_counts.album_title_track_count,
        catalog_counts.is_title_track,
        catalog_counts.song_listing_count,
        catalog_counts.album_listing_count,
        catalog_counts.artist_listing_count,
        catalog_counts.song_listing_share,
        tracks.artist_count,
        tracks.release_year
    from features
    inner join tracks
        on features.track_id = tracks.track_id
    inner join catalog_counts
        on features.track_id = catalog_counts.track_id
    left join labels
        on features.track_id = labels.track_id
    left join playlist_counts
        on features.track_id = playlist_counts.track_id
)

select * from final
