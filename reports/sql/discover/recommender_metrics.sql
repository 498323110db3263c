-- Every recommender on the same hold-out: 20% of each playlist's tracks hidden.
select *
from ml.recommender_metrics
order by segment, metric, method
