-- Error of the best popularity model per playlist genre: mean absolute error and bias
-- (mean of predicted minus actual), over the genre's tracks.
select
    predictions.scenario,
    genres.taxonomy,
    genres.genre,
    count(*)                                                              as track_count,
    avg(abs(predictions.residual))                                        as mae,
    avg(predictions.predicted_popularity - predictions.actual_popularity) as bias,
    avg(predictions.actual_popularity)                                    as mean_actual
from ml.popularity_predictions as predictions
inner join marts.bridge_track_genres as genres on genres.track_id = predictions.track_id
where predictions.model = 'best'
  and genres.taxonomy in ('playlist_genre', 'track_genre')
group by all
order by predictions.scenario, genres.taxonomy, mae desc
