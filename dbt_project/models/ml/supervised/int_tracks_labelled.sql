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
        coalesce(labels.track_genres, []::varchar[])       as track_genres,
        labels.playlist_genre,
        coalesce(labels.playlist_genres, []::varchar[])    as playlist_genres,
        coalesce(labels.playlist_subgenres, []::varchar[]) as playlist_subgenres
    from features
    inner join tracks
        on features.track_id = tracks.track_id
    left join labels
        on features.track_id = labels.track_id
)

select * from final
