{#- Every mood range names a feature the marts have and stays inside that feature's
    possible values, so no mood is silently empty because of a typo or an impossible range. -#}
with

moods as (
    select * from {{ ref('moods') }}
),

bounds as (
    {%- for feature in var('profile_features') %}
    select
        '{{ feature }}' as feature,
        {%- if feature in var('unit_interval_features') or feature == 'mode' %}
        0.0             as lowest, 1.0 as highest
        {%- elif feature == 'loudness' %}
        -60.0           as lowest, 5.0 as highest
        {%- elif feature == 'tempo' %}
        0.0             as lowest, 250.0 as highest
        {%- elif feature == 'time_signature' %}
        3.0             as lowest, 7.0 as highest
        {%- else %}
        0.0             as lowest, 7200.0 as highest
        {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select moods.mood, moods.feature, moods.min_value, moods.max_value, bounds.lowest, bounds.highest
from moods
left join bounds on bounds.feature = moods.feature
where bounds.feature is null
   or moods.min_value < bounds.lowest
   or moods.max_value > bounds.highest
