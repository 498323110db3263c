{#- SHAP values of the best model for a stratified sample of at most 500 held-out tracks per
    (task, scenario), each explained by the model of the fold that held it out. Genre models
    are explained for the genre they predicted (explained_class). Per track, base_value plus
    the sum of its shap_value equals the model's output for that class (probability) or its
    predicted popularity. -#}
with

values_ as (
    select * from {{ ml_current_run('shap_values') }}
),

final as (
    select
        run_id,
        task,
        scenario,
        model,
        track_id,
        cast(explained_class as varchar) as explained_class,
        feature,
        cast(feature_value as double)    as feature_value,
        cast(shap_value as double)       as shap_value,
        cast(base_value as double)       as base_value
    from values_
)

select * from final
