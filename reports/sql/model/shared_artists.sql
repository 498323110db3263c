-- Primary artists whose tracks sit in more than one fold, per scenario: expected in the
-- catalog scenario, and 0 in cold start, where whole artists are held out.
with

artist_folds as (
    select
        predictions.scenario,
        tracks.primary_artist_id,
        count(distinct predictions.fold) as fold_count
    from ml.popularity_predictions as predictions
    inner join marts.dim_tracks as tracks on tracks.track_id = predictions.track_id
    where predictions.model = 'baseline'
    group by predictions.scenario, tracks.primary_artist_id
)

select
    scenario,
    count(*)                               as artist_count,
    count(*) filter (where fold_count > 1) as artists_in_several_folds
from artist_folds
group by scenario
order by scenario
