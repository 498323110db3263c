-- A fixed sample of tracks (ordered by a hash of the id) on the 2-D projection of the audio
-- features, with their cluster: the full catalog would make the page too heavy.
select
    embedding.x,
    embedding.y,
    clusters.cluster,
    profiles.cluster_name,
    tracks.track_name,
    tracks.primary_artist_name,
    (select string_agg(genre, ', ' order by genre)
       from marts.bridge_track_genres as genres
      where genres.track_id = tracks.track_id and genres.taxonomy = 'track_genre') as track_genres
from ml.track_embedding_2d as embedding
inner join ml.track_clusters as clusters on clusters.track_id = embedding.track_id
inner join ml.cluster_profiles as profiles on profiles.cluster = clusters.cluster
inner join marts.dim_tracks as tracks on tracks.track_id = embedding.track_id
where embedding.method = 'pca'
order by md5(embedding.track_id)
limit 2500
