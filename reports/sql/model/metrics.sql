-- Every cross-validated metric: mean and standard deviation over the folds, per model.
select
    task,
    scenario,
    metric,
    model,
    max(case when statistic = 'mean' then value end) as mean_value,
    max(case when statistic = 'std' then value end)  as std_value,
    bool_and(higher_is_better)                       as higher_is_better
from ml.model_metrics
where statistic in ('mean', 'std')
group by task, scenario, metric, model
order by task, scenario, metric, model
