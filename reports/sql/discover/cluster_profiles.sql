-- Every cluster: size, name, what sets it apart and its most common genres.
select *
from ml.cluster_profiles
order by cluster
