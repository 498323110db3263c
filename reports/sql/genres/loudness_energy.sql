-- A fixed, reproducible sample of tracks (ordered by a hash of the id) for the
-- loudness-vs-energy scatter; the full catalog would make the page too heavy.
select
    tracks.track_id,
    tracks.track_name,
    tracks.primary_artist_name,
    features.energy,
    features.loudness,
    features.popularity,
    (select string_agg(genre, ', ' order by genre)
       from marts.bridge_track_genres as genres
      where genres.track_id = tracks.track_id and genres.taxonomy = 'track_genre') as track_genres
from marts.fct_track_features as features
inner join marts.dim_tracks as tracks on tracks.track_id = features.track_id
where features.energy is not null and features.loudness is not null
order by md5(tracks.track_id)
limit 1500
