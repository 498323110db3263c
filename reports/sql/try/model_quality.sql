-- How good each browser model is for a new track: the new_track scenario (the cold-start
-- folds: no test artist in training; audio only), beside the baseline, the reference RF and
-- the best new-track model (what `predict` runs) on the same folds. Mean over the folds.
select
    task,
    metric,
    max(case when model = 'browser_mlp' then value end)  as browser_value,
    max(case when model = 'best' then value end)         as best_value,
    max(case when model = 'reference_rf' then value end) as reference_value,
    max(case when model = 'baseline' then value end)     as baseline_value
from ml.model_metrics
where scenario = 'new_track'
    and statistic = 'mean'
    and metric in ('accuracy', 'top_5_accuracy', 'r2', 'mae')
group by task, metric
order by task, metric
