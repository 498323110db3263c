-- The 15 most frequent mistakes of the best 114-genre model per scenario.
with

ranked as (
    select
        scenario, actual_genre, predicted_genre, track_count, share_of_actual,
        row_number() over (partition by scenario order by track_count desc, actual_genre, predicted_genre) as pair_rank
    from ml.confusion_matrix
    where task = 'track_genre' and model = 'best' and actual_genre <> predicted_genre
)

select * from ranked where pair_rank <= 15 order by scenario, pair_rank
