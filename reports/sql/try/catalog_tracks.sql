-- The real tracks the page knows: every track among the 10 most popular of a genre (the
-- track-search list, which the search box loads) and a fixed sample of 3,000 other tracks
-- (the first by md5 of the track id), with their inputs; the nearest of them to the inputs
-- are shown. Tracks whose tempo or time signature went undetected are left out of the
-- sample (a distance needs every feature); search tracks keep them, and the page fills
-- the gap with the model's median.
with

search_tracks as (
    select distinct track_id
    from marts.mart_genre_top_tracks
),

sampled as (
    select track_id
    from marts.fct_track_features
    where track_id not in (select track_id from search_tracks)
        and tempo is not null
        and time_signature is not null
    order by md5(track_id)
    limit 3000
),

chosen as (
    select track_id, true as is_search_track from search_tracks
    union all
    select track_id, false as is_search_track from sampled
),

final as (
    select
        chosen.track_id,
        tracks.track_name,
        tracks.artist_names,
        features.popularity,
        chosen.is_search_track,
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
        features.duration_sec,
        cast(features.is_explicit as integer) as is_explicit
    from chosen
    inner join marts.dim_tracks as tracks
        on chosen.track_id = tracks.track_id
    inner join marts.fct_track_features as features
        on chosen.track_id = features.track_id
)

select * from final
order by popularity desc, track_name, track_id
