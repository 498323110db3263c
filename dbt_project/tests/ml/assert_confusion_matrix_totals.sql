{#- The confusion matrix and the per-genre metrics account for every prediction: their
    totals equal the number of predictions of each (run, task, scenario, model). -#}
with

predictions as (
    select run_id, task, scenario, model, count(*) as predictions
    from {{ ref('genre_predictions') }}
    group by run_id, task, scenario, model
),

matrix as (
    select run_id, task, scenario, model, sum(track_count) as tracks
    from {{ ref('confusion_matrix') }}
    group by run_id, task, scenario, model
),

classes as (
    select run_id, task, scenario, model, sum(support) as support, sum(predicted_count) as predicted
    from {{ ref('genre_class_metrics') }}
    group by run_id, task, scenario, model
)

select predictions.*, matrix.tracks, classes.support, classes.predicted
from predictions
left join matrix using (run_id, task, scenario, model)
left join classes using (run_id, task, scenario, model)
where matrix.tracks is distinct from predictions.predictions
    or classes.support is distinct from predictions.predictions
    or classes.predicted is distinct from predictions.predictions
