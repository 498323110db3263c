-- Cross-validated popularity error of every model (mean over folds, and its spread).
select
    scenario,
    model,
    metric,
    max(case when statistic = 'mean' then value end) as mean_value,
    max(case when statistic = 'std' then value end)  as std_value
from ml.model_metrics
where task = 'popularity' and statistic in ('mean', 'std')
group by scenario, model, metric
order by scenario, metric, model
