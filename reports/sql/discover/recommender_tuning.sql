-- The settings chosen on the validation split (never the hold-out), with their NDCG@10.
select
    method,
    setting,
    value as validation_ndcg,
    playlist_count
from ml.recommender_tuning
where is_chosen and metric = 'ndcg@10'
order by method
