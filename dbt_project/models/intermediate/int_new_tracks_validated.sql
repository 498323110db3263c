{#- Every new-track row with its verdict, by the rules of the raw files (quality_rules):
    values missing, unparseable or out of range are rejected with their reasons; tempo 0
    and time_signature 0/1 ("not detected") are nulled and flagged. Accepted rows are scored
    into ml.new_track_predictions, rejected rows go to quality.quarantined_rows. -#}
with

new_tracks as (
    select * from {{ ref('stg_incoming__new_tracks') }}
),

checked as (
    select
        *,
        {{ rejection_reasons(
            audio_feature_checks(with_popularity=false)
            + [reason_if('time_signature < 0 or time_signature > 7', 'out_of_range:time_signature')]
        ) }} as rejection_reasons
    from new_tracks
),

final as (
    select
        source_file,
        source_row_number,
        source_line_number,
        track_id,
        track_name,
        artist_names,
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
