{#- The ML feature mart: one row per track, every audio feature, the popularity target and
    the flags a model needs to treat "not detected" values. Genre labels live in
    bridge_track_genres (a track can carry several). -#}
with

tracks as (
    select * from {{ ref('int_tracks_deduplicated') }}
),

genre_counts as (
    select
        track_id,
        sum(case when taxonomy = 'track_genre' then 1 else 0 end)    as track_genre_count,
        sum(case when taxonomy = 'playlist_genre' then 1 else 0 end) as playlist_genre_count
    from {{ ref('int_track_genres_unioned') }}
    group by track_id
),

final as (
    select
        tracks.track_id,
        tracks.popularity,
        tracks.popularity >= {{ var('hit_popularity_threshold') }}      as is_hit,
        tracks.is_explicit,
        cast(tracks.duration_sec as {{ double_type() }})                as duration_sec,
        tracks.danceability,
        tracks.energy,
        tracks.key,
        tracks.loudness,
        tracks.mode,
        tracks.speechiness,
        tracks.acousticness,
        tracks.instrumentalness,
        tracks.liveness,
        tracks.valence,
        tracks.tempo,
        tracks.time_signature,
        tracks.is_tempo_undetected,
        tracks.is_time_signature_undetected,
        tracks.release_year,
        cast(coalesce(genre_counts.track_genre_count, 0) as integer)    as track_genre_count,
        cast(coalesce(genre_counts.playlist_genre_count, 0) as integer) as playlist_genre_count,
        tracks.in_tracks_file,
        tracks.in_playlists_file
    from tracks
    left join genre_counts
        on tracks.track_id = genre_counts.track_id
)

select * from final
