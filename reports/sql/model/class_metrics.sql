-- Precision, recall and F1 per genre of the best model.
select task, scenario, genre, support, predicted_count, precision, recall, f1
from ml.genre_class_metrics
where model = 'best'
order by task, scenario, f1 desc, genre
