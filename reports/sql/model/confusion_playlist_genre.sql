-- Confusion matrix of the best 6-genre model: share of each actual genre's tracks per prediction.
select scenario, actual_genre, predicted_genre, track_count, share_of_actual
from ml.confusion_matrix
where task = 'playlist_genre' and model = 'best'
order by scenario, actual_genre, predicted_genre
