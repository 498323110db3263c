-- Every recommender on the same hold-out: 20% of each playlist's tracks hidden; the mean
-- over playlists with its 95% bootstrap interval.
select
    segment,
    method,
    metric,
    value,
    lower_95,
    upper_95,
    playlist_count
from ml.recommender_metrics
order by segment, metric, method
