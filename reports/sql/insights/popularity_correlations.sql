-- How each audio feature correlates with popularity over all tracks (Pearson r).
select feature_y as feature, pearson_r, pair_count
from marts.mart_feature_correlations
where feature_x = 'popularity' and feature_y <> 'popularity'
order by abs(pearson_r) desc
