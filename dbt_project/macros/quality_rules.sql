{#-
    Validation rules of the quality layer, written in plain SQL so they run on any engine.

    A rule is a reason code and a condition: `reason_if(condition, code)` yields the code when
    the condition holds and NULL otherwise. `rejection_reasons(checks)` joins the parse issues
    found in staging and every rule that fires into one ';'-separated list, NULL for a clean
    row. Every code (the part before ':') is documented in the seed quality_rules.csv.
    A line the loader could not read as a record (malformed_line) gets that reason alone.

    Conditions on a NULL value yield NULL, so a missing value is reported once, by staging
    (missing_value:<column>), not again as out of range.
-#}

{% macro reason_if(condition, code) -%}
    case when {{ condition }} then '{{ code }}' end
{%- endmacro %}


{#- A malformed line has no values to check: its one reason is staging's malformed_line. -#}
{% macro rejection_reasons(checks) -%}
    case
        when malformed_detail is not null then parse_issues
        else nullif(concat_ws(';', parse_issues, {{ checks | join(',\n        ') }}), '')
    end
{%- endmacro %}


{#- The value ranges Spotify documents, shared by both sources. tempo 0 and
    time_signature 0/1 are in range: they mean "not detected" and are nulled, not rejected.
    New tracks to score have no popularity: `with_popularity=false` leaves its check out. -#}
{% macro audio_feature_checks(with_popularity=true) -%}
    {%- set checks = [] -%}
    {%- for feature in var('unit_interval_features') -%}
        {%- do checks.append(reason_if(feature ~ ' < 0 or ' ~ feature ~ ' > 1', 'out_of_range:' ~ feature)) -%}
    {%- endfor -%}
    {%- if with_popularity -%}
        {%- do checks.append(reason_if('popularity < 0 or popularity > 100', 'out_of_range:popularity')) -%}
    {%- endif -%}
    {%- do checks.append(reason_if('key < -1 or key > 11', 'out_of_range:key')) -%}
    {%- do checks.append(reason_if('mode not in (0, 1)', 'out_of_range:mode')) -%}
    {%- do checks.append(reason_if('loudness < -70 or loudness > 10', 'out_of_range:loudness')) -%}
    {%- do checks.append(reason_if('tempo < 0', 'out_of_range:tempo')) -%}
    {%- do checks.append(reason_if('duration_ms <= 0', 'non_positive_duration:duration_ms')) -%}
    {{ return(checks) }}
{%- endmacro %}


{#- A value the row cannot be used without. `code` is missing_name for the names people
    recognise a track by (track, album, artist), missing_value for labels such as a genre or
    a playlist. -#}
{% macro missing_checks(columns, code) -%}
    {%- set checks = [] -%}
    {%- for column in columns -%}
        {%- do checks.append(reason_if(column ~ ' is null', code ~ ':' ~ column)) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}


{#- tempo 0 means Spotify detected no beat: keep the row, null the value, flag it. -#}
{% macro nullify_undetected_tempo() -%}
    case when tempo = 0 then null else tempo end as tempo,
    coalesce(tempo = 0, false)                   as is_tempo_undetected
{%- endmacro %}
