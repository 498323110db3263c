-- Primary artists and songs whose tracks sit in more than one fold, per scenario: artists
-- are expected to in the catalog scenario, and none in cold start and new track, where whole
-- artists are held out; songs never (catalog folds are grouped by song).
with

fold_counts as (
    -- One row per (scenario, artist) and one per (scenario, song).
    select
        predictions.scenario,
        tracks.primary_artist_id,
        tracks.song_key,
        count(distinct predictions.fold) as fold_count
    from ml.popularity_predictions as predictions
    inner join marts.dim_tracks as tracks on tracks.track_id = predictions.track_id
    where predictions.model = 'baseline'
    group by grouping sets (
        (predictions.scenario, tracks.primary_artist_id),
        (predictions.scenario, tracks.song_key)
    )
),

final as (
    select
        scenario,
        count(primary_artist_id)                               as artist_count,
        count(primary_artist_id) filter (where fold_count > 1) as artists_in_several_folds,
        count(song_key)                                        as song_count,
        count(song_key) filter (where fold_count > 1)          as songs_in_several_folds
    from fold_counts
    group by scenario
)

select * from final
order by scenario
