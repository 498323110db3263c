{#- Every row of the tracks file with its verdict: rejection_reasons lists every rule the row
    breaks (NULL when none), is_accepted says whether it moves on. Accepted rows get tempo 0
    and time_signature 0/1 ("not detected") nulled and flagged. -#}
with

tracks as (
    select * from {{ ref('stg_spotify__tracks') }}
),

checked as (
    select
        *,
        {{ rejection_reasons(
            audio_feature_checks()
            + missing_checks(['track_name', 'album_name', 'artist_names'], 'missing_name')
            + missing_checks(['track_genre'], 'missing_value')
            + [reason_if('time_signature < 0 or time_signature > 7', 'out_of_range:time_signature')]
        ) }} as rejection_reasons
    from tracks
),

final as (
    select
        source_file,
        source_row_number,
        source_line_number,
        track_id,
        track_name,
        album_name,
        artist_names,
        track_genre,
        popularity,
        is_explicit,
        duration_ms,
        duration_sec,
        {{- column_list(audio_feature_columns()) }}
        {{ nullify_undetected_tempo() }},
        case when time_signature in (0, 1) then null else time_signature end as time_signature,
        coalesce(time_signature in (0, 1), false)                            as is_time_signature_undetected,
        rejection_reasons,
        rejection_reasons is null                                            as is_accepted,
        malformed_detail,
        raw_line,
        raw_values
    from checked
)

select * from final
