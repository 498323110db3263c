-- Cross-validated accuracy (genres) and R² (popularity) of the best model and of the baseline.
select
    task,
    scenario,
    metric,
    max(case when model = 'best' then value end)         as best_value,
    max(case when model = 'reference_rf' then value end) as reference_value,
    max(case when model = 'baseline' then value end)     as baseline_value
from ml.model_metrics
where statistic = 'mean'
  and metric in ('accuracy', 'r2')
group by task, scenario, metric
order by case task when 'track_genre' then 1 when 'playlist_genre' then 2 else 3 end, scenario
