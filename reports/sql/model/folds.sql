-- How the tracks were split: tracks and distinct primary artists per fold and scenario.
select
    predictions.scenario,
    predictions.fold,
    count(*)                                 as track_count,
    count(distinct tracks.primary_artist_id) as artist_count
from ml.popularity_predictions as predictions
inner join marts.dim_tracks as tracks on tracks.track_id = predictions.track_id
where predictions.model = 'baseline'
group by predictions.scenario, predictions.fold
order by predictions.scenario, predictions.fold
