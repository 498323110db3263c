{#- Every metric of every model, per test fold and as mean and sample standard deviation
    over the folds. Computed here from the out-of-fold predictions, except the one-vs-rest
    AUC, which needs every class probability and comes from the training run.

    Genre tasks: accuracy, any_genre_accuracy (the prediction is any of the track's genres),
    top_3_accuracy, top_5_accuracy, macro_precision, macro_recall, macro_f1 (unweighted over
    the genres true or predicted in the fold), roc_auc_ovr_macro.
    Popularity: r2 (against the fold's own mean), mae, rmse.
    Every floating-point aggregate orders its input (`avg(x order by ...)`): DuckDB otherwise
    adds in whatever order its threads finish, and two builds of the same predictions would
    differ in the last bit. -#}
with

genre_predictions as (
    select * from {{ ref('genre_predictions') }}
),

tallies as (
    select * from {{ ref('int_genre_predictions_tallied') }}
),

popularity_predictions as (
    select * from {{ ref('popularity_predictions') }}
),

run_metrics as (
    select * from {{ ml_current_run('fold_metrics') }}
),

genre_rates as (
    select
        run_id, task, scenario, model, fold,
        avg(case when is_correct then 1.0 else 0.0 end)             as accuracy,
        avg(case when is_any_genre_correct then 1.0 else 0.0 end)   as any_genre_accuracy,
        avg(case when actual_genre_rank <= 3 then 1.0 else 0.0 end) as top_3_accuracy,
        avg(case when actual_genre_rank <= 5 then 1.0 else 0.0 end) as top_5_accuracy
    from genre_predictions
    group by run_id, task, scenario, model, fold
),

genre_macro as (
    select
        run_id, task, scenario, model, fold,
        avg({{ class_score('precision') }} order by genre) as macro_precision,
        avg({{ class_score('recall') }} order by genre)    as macro_recall,
        avg({{ class_score('f1') }} order by genre)        as macro_f1
    from tallies
    group by run_id, task, scenario, model, fold
),

popularity_fold_means as (
    select run_id, scenario, model, fold, avg(actual_popularity order by track_id) as fold_mean
    from popularity_predictions
    group by run_id, scenario, model, fold
),

popularity_errors as (
    select
        predictions.run_id,
        'popularity'                                                     as task,
        predictions.scenario,
        predictions.model,
        predictions.fold, predictions.track_id,
        predictions.predicted_popularity - predictions.actual_popularity as error,
        predictions.actual_popularity - means.fold_mean                  as deviation
    from popularity_predictions as predictions
    inner join popularity_fold_means as means
        using (run_id, scenario, model, fold)
),

popularity_fold as (
    select
        run_id, task, scenario, model, fold,
        1 - sum(error * error order by track_id)
            / sum(deviation * deviation order by track_id) as r2,
        avg(abs(error) order by track_id)                  as mae,
        sqrt(avg(error * error order by track_id))         as rmse
    from popularity_errors
    group by run_id, task, scenario, model, fold
),

per_fold as (
    {%- for metric in ['accuracy', 'any_genre_accuracy', 'top_3_accuracy', 'top_5_accuracy'] %}
    select run_id, task, scenario, model, fold, '{{ metric }}' as metric, {{ metric }} as value from genre_rates
    union all
    {%- endfor %}
    {%- for metric in ['macro_precision', 'macro_recall', 'macro_f1'] %}
    select run_id, task, scenario, model, fold, '{{ metric }}' as metric, {{ metric }} as value from genre_macro
    union all
    {%- endfor %}
    {%- for metric in ['r2', 'mae', 'rmse'] %}
    select run_id, task, scenario, model, fold, '{{ metric }}' as metric, {{ metric }} as value from popularity_fold
    union all
    {%- endfor %}
    select run_id, task, scenario, model, fold, metric, value from run_metrics
),

summary as (
    select run_id, task, scenario, model, metric, 'mean' as statistic, avg(value order by fold) as value
    from per_fold
    group by run_id, task, scenario, model, metric
    union all
    select run_id, task, scenario, model, metric, 'std' as statistic, stddev_samp(value order by fold) as value
    from per_fold
    group by run_id, task, scenario, model, metric
),

combined as (
    select run_id, task, scenario, model, metric, 'fold' as statistic, fold, value from per_fold
    union all
    select run_id, task, scenario, model, metric, statistic, null as fold, value from summary
),

final as (
    select
        run_id,
        task,
        scenario,
        model,
        metric,
        statistic,
        cast(fold as integer)         as fold,
        cast(value as double)         as value,
        metric not in ('mae', 'rmse') as higher_is_better
    from combined
)

select * from final
