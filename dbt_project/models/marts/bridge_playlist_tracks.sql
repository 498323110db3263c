{#-
    One row per (playlist, track): which tracks each of the playlist file's 471 playlists
    holds. The file lists a playlist once per subgenre it was collected under, so a pair can
    appear on several rows; it counts once here. Co-occurrence recommendations are built
    from this table.
-#}
with

playlist_rows as (
    select playlist_id, track_id
    from {{ ref('int_playlist_tracks_validated') }}
    where is_accepted
),

final as (
    select
        playlist_id,
        track_id,
        cast(count(*) as integer) as source_row_count
    from playlist_rows
    group by playlist_id, track_id
)

select * from final
