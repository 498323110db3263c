-- Mean predicted popularity as one feature sweeps its range, the others left as they are.
select scenario, feature, grid_value, mean_prediction
from ml.partial_dependence
where task = 'popularity' and model = 'best'
order by scenario, feature, grid_value
