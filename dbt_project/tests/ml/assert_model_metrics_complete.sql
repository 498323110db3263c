{#- Every task and scenario reports the baseline, the reference RF and the best model with
    the mean of each of its metrics, the cold-start and new-track scenarios the browser model
    too, and the catalog scenario's genre tasks the audio-only model.
    Rows returned are missing (task, scenario, model, metric) combinations. -#}
with

expected_metrics as (
    select * from (values
        ('track_genre'), ('playlist_genre')
    ) as tasks (task)
    cross join (values
        ('accuracy'), ('any_genre_accuracy'), ('top_3_accuracy'), ('top_5_accuracy'),
        ('macro_precision'), ('macro_recall'), ('macro_f1'), ('roc_auc_ovr_macro')
    ) as metrics (metric)
    union all
    select 'popularity' as task, metric from (values ('r2'), ('mae'), ('rmse')) as metrics (metric)
),

expected as (
    select expected_metrics.task, scenarios.scenario, models.model, expected_metrics.metric
    from expected_metrics
    cross join (values ('catalog'), ('cold_start'), ('new_track')) as scenarios (scenario)
    cross join (values ('baseline'), ('reference_rf'), ('best')) as models (model)
    union all
    select expected_metrics.task, scenarios.scenario, 'browser_mlp' as model, expected_metrics.metric
    from expected_metrics
    cross join (values ('cold_start'), ('new_track')) as scenarios (scenario)
    union all
    select task, 'catalog' as scenario, 'audio_only' as model, metric
    from expected_metrics
    where task != 'popularity'
),

present as (
    select distinct task, scenario, model, metric
    from {{ ref('model_metrics') }}
    where statistic = 'mean'
)

select expected.*
from expected
left join present using (task, scenario, model, metric)
where present.metric is null
