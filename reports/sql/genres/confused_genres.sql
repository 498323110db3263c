-- For each genre, the genres the best audio-only (cold-start) model most often predicts
-- instead: which genres sound alike to the model.
with

mistakes as (
    select
        task         as taxonomy,
        actual_genre as genre,
        predicted_genre,
        track_count,
        share_of_actual,
        row_number() over (
            partition by task, actual_genre order by track_count desc, predicted_genre
        )            as confusion_rank
    from ml.confusion_matrix
    where model = 'best'
      and scenario = 'cold_start'
      and actual_genre <> predicted_genre
)

select * from mistakes
where confusion_rank <= 5
order by taxonomy, genre, confusion_rank
