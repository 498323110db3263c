-- SHAP values of the best catalog popularity model for the explained sample of held-out
-- tracks, for its 8 most important features by mean |SHAP|, with each feature value's
-- percentile in the sample (for colouring).
with

top_features as (
    select feature
    from ml.feature_importance
    where task = 'popularity' and scenario = 'catalog' and model = 'best'
      and method = 'shap_mean_abs' and importance_rank <= 8
)

select
    shap.feature,
    round(shap.shap_value, 3)                                                             as shap_value,
    round(shap.feature_value, 4)                                                          as feature_value,
    round(percent_rank() over (partition by shap.feature order by shap.feature_value), 3) as value_percentile
from ml.shap_values as shap
inner join top_features on top_features.feature = shap.feature
where shap.task = 'popularity' and shap.scenario = 'catalog' and shap.model = 'best'
order by shap.feature, shap.track_id
