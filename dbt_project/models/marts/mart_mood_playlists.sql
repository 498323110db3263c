{{ config(post_hook="{{ create_mood_playlist_function() }}") }}
{#-
    One row per (mood, rank): for every mood of the `moods` seed, the most popular tracks whose
    audio features fall inside all of the mood's ranges (`mood_playlist_size`, 50, per mood).
    Ties are broken by how close the track sits to the middle of the ranges, then by id. A
    song listed under several ids (same name and artists) is kept once, under its most
    popular id. The post-hook adds the table function marts.mood_playlist(mood, size) for
    analysts (see the README).
-#}
with

moods as (
    select mood, feature, min_value, max_value, mood_description from {{ ref('moods') }}
),

mood_sizes as (
    select mood, count(*) as range_count, min(mood_description) as mood_description
    from moods
    group by mood
),

feature_values as (
    {%- for feature in var('profile_features') %}
    select track_id, '{{ feature }}' as feature, cast({{ feature }} as {{ double_type() }}) as feature_value
    from {{ ref('fct_track_features') }}
    where {{ feature }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

range_hits as (
    select
        feature_values.track_id,
        moods.mood,
        count(*) as satisfied_count,
        avg(
            abs(feature_values.feature_value - (moods.min_value + moods.max_value) / 2)
            / ((moods.max_value - moods.min_value) / 2)
        )        as centre_distance
    from feature_values
    inner join moods
        on moods.feature = feature_values.feature
        and feature_values.feature_value between moods.min_value and moods.max_value
    group by feature_values.track_id, moods.mood
),

matches as (
    select
        range_hits.mood,
        mood_sizes.mood_description,
        range_hits.track_id,
        range_hits.centre_distance,
        tracks.track_name,
        tracks.artist_names,
        tracks.popularity
    from range_hits
    inner join mood_sizes
        on mood_sizes.mood = range_hits.mood
        and range_hits.satisfied_count = mood_sizes.range_count
    inner join {{ ref('dim_tracks') }} as tracks
        on tracks.track_id = range_hits.track_id
),

one_per_song as (
    select
        *,
        row_number() over (
            partition by mood, lower(trim(track_name)), lower(trim(artist_names))
            order by popularity desc nulls last, track_id
        ) as song_copy
    from matches
),

ranked as (
    select
        *,
        row_number() over (
            partition by mood
            order by popularity desc nulls last, centre_distance nulls last, track_id
        ) as mood_rank
    from one_per_song
    where song_copy = 1
),

final as (
    select
        mood,
        cast(mood_rank as integer)                   as mood_rank,
        track_id,
        track_name,
        artist_names,
        popularity,
        cast(centre_distance as {{ double_type() }}) as centre_distance,
        mood_description
    from ranked
    where mood_rank <= {{ var('mood_playlist_size') }}
)

select * from final
