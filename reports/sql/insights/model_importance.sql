-- The features the audio-only 6-genre model leans on most (permutation importance).
select feature, importance, importance_rank
from ml.feature_importance
where task = 'playlist_genre' and scenario = 'cold_start' and model = 'best' and method = 'permutation'
order by importance_rank
