-- What the hybrid's re-ranker looks at: each candidate feature's share of the split gain.
select
    feature,
    gain_share
from ml.recommender_feature_importance
order by gain_share desc, feature
