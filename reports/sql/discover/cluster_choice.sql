-- The criterion behind the number of clusters: silhouette (on a fixed sample) per k.
select *
from ml.cluster_k_scores
order by k
