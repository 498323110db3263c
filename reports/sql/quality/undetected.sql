-- Values Spotify's analysis could not detect: nulled and flagged, the track kept.
select
    count(*) filter (where is_tempo_undetected)          as tempo_undetected,
    count(*) filter (where is_time_signature_undetected) as time_signature_undetected,
    count(*)                                             as track_count
from marts.fct_track_features
