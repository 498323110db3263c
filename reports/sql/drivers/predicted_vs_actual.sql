-- Out-of-fold predicted vs actual popularity of the best model, counted in 5-point cells.
select
    scenario,
    least(floor(actual_popularity / 5) * 5, 95)                 as actual_bin,
    least(floor(greatest(predicted_popularity, 0) / 5) * 5, 95) as predicted_bin,
    count(*)                                                    as track_count
from ml.popularity_predictions
where model = 'best'
group by all
order by scenario, actual_bin, predicted_bin
