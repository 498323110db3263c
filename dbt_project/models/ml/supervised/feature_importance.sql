{#- What the models lean on, by three methods, for each (run, task, scenario, model):
      impurity      mean decrease in impurity of the forest (reference RF and tree-based
                    best models), mean and std over the five fold models;
      permutation   drop of the fold's score (accuracy, or R² for popularity) when the
                    feature is shuffled among held-out tracks, mean and std over folds;
      shap_mean_abs mean absolute SHAP value over the explained sample (ml.shap_values),
                    std over those tracks.
    In the catalog genre models the primary artist (the artist's genre prior, blended
    with the audio model) counts as one feature, artist_genre_prior
    (models_ml.explain.ARTIST_PRIOR_FEATURE). -#}
with

fold_based as (
    select * from {{ ml_current_run('feature_importance') }}
),

shap as (
    select * from {{ ref('shap_values') }}
),

shap_summary as (
    select
        run_id, task, scenario, model,
        'shap_mean_abs'                                as method,
        feature,
        -- Ordered input: the same sums, bit for bit, whatever DuckDB's threads do.
        avg(abs(shap_value) order by track_id)         as importance,
        stddev_samp(abs(shap_value) order by track_id) as importance_std,
        count(*)                                       as estimate_count
    from shap
    group by run_id, task, scenario, model, feature
),

combined as (
    select run_id, task, scenario, model, method, feature, importance, importance_std,
        n_folds as estimate_count
    from fold_based
    union all
    select run_id, task, scenario, model, method, feature, importance, importance_std,
        estimate_count
    from shap_summary
),

final as (
    select
        run_id,
        task,
        scenario,
        model,
        method,
        feature,
        cast(importance as double)      as importance,
        cast(importance_std as double)  as importance_std,
        cast(estimate_count as integer) as estimate_count,
        cast(row_number() over (
            partition by run_id, task, scenario, model, method order by importance desc, feature
        ) as integer)                   as importance_rank
    from combined
)

select * from final
