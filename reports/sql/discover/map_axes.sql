-- What the map's axes explain: variance share of each principal component.
select component, explained_variance_share
from ml.embedding_components
where method = 'pca'
order by component
