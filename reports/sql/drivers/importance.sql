-- Importance of each feature for the popularity models: impurity (reference forest),
-- permutation (R² lost when the feature is shuffled) and mean |SHAP| (best model).
select scenario, model, method, feature, importance, importance_std, importance_rank
from ml.feature_importance
where task = 'popularity'
order by scenario, method, importance_rank
