-- Pearson r of energy and loudness over every track.
select pearson_r, pair_count
from marts.mart_feature_correlations
where feature_x = 'energy' and feature_y = 'loudness'
