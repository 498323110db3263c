with

track_genres as (
    select * from {{ ref('int_track_genres_unioned') }}
),

final as (
    select
        track_id,
        taxonomy,
        genre,
        cast(source_row_count as integer) as source_row_count
    from track_genres
)

select * from final
