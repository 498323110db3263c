{#- Every row of the playlist file with its verdict: rejection_reasons lists every rule the
    row breaks (NULL when none), is_accepted says whether it moves on. Accepted rows get
    tempo 0 nulled and flagged. An empty release date is allowed (NULL); a release date
    that is present but not a date is rejected (by staging's parse issues). -#}
with

playlist_tracks as (
    select * from {{ ref('stg_tidytuesday__playlist_tracks') }}
),

checked as (
    select
        *,
        {{ rejection_reasons(
            audio_feature_checks()
            + missing_checks(['track_name', 'album_name', 'artist_name'], 'missing_name')
            + missing_checks(['playlist_id', 'playlist_genre', 'playlist_subgenre'], 'missing_value')
        ) }} as rejection_reasons
    from playlist_tracks
),

final as (
    select
        source_file,
        source_row_number,
        source_line_number,
        track_id,
        track_name,
        artist_name,
        album_id,
        album_name,
        playlist_id,
        playlist_name,
        playlist_genre,
        playlist_subgenre,
        popularity,
        duration_ms,
        duration_sec,
        release_date,
        release_date_precision,
        release_year,
        {{- column_list(audio_feature_columns()) }}
        {{ nullify_undetected_tempo() }},
        rejection_reasons,
        rejection_reasons is null        as is_accepted,
        malformed_detail,
        raw_line,
        raw_values
    from checked
)

select * from final
