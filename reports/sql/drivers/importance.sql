-- Importance of each feature for the popularity models: impurity (reference forest),
-- permutation (R² lost when the feature is shuffled) and mean |SHAP| (best model). The 15
-- most important per scenario, model and method: the catalog and cold-start models read
-- about 180 features (the genre one-hot among them, which permutation shuffles as one block
-- per taxonomy), most of them minor.
select scenario, model, method, feature, importance, importance_std, importance_rank
from ml.feature_importance
where task = 'popularity'
  and importance_rank <= 15
order by scenario, method, importance_rank
