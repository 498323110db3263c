{#- Histogram of each continuous feature over all tracks: histogram_bins (dbt var) equal-width
    bins from the feature's minimum to its maximum; the maximum falls in the last bin. Empty
    bins are present with a count of 0, so every feature has exactly histogram_bins rows. -#}
{%- set features = var('continuous_features') -%}
{%- set bins = var('histogram_bins') | int -%}

with

tracks as (
    select * from {{ ref('fct_track_features') }}
),

bin_spine as (
    {%- for b in range(bins) %}
    select {{ b }} as bin_index {% if not loop.last %}
    union all{% endif %}
    {%- endfor %}
),

feature_values as (
    {%- for feature in features %}
    select '{{ feature }}' as feature, cast({{ feature }} as {{ double_type() }}) as value
    from tracks
    where {{ feature }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

feature_bounds as (
    select
        feature,
        min(value) as min_value,
        max(value) as max_value,
        count(*)   as value_count
    from feature_values
    group by feature
),

binned as (
    select
        feature_values.feature,
        case
            when feature_bounds.max_value = feature_bounds.min_value then 0
            else least(
                cast(floor((feature_values.value - feature_bounds.min_value)
                    / (feature_bounds.max_value - feature_bounds.min_value) * {{ bins }}) as integer),
                {{ bins - 1 }}
            )
        end as bin_index
    from feature_values
    inner join feature_bounds
        on feature_values.feature = feature_bounds.feature
),

bin_counts as (
    select feature, bin_index, count(*) as track_count
    from binned
    group by feature, bin_index
),

final as (
    select
        cast(feature_bounds.feature as {{ dbt.type_string() }})                                       as feature,
        cast(bin_spine.bin_index as integer)                                                          as bin_index,
        cast(feature_bounds.min_value + (feature_bounds.max_value - feature_bounds.min_value)
            * bin_spine.bin_index / {{ bins }} as {{ double_type() }})                                as bin_lower,
        cast(feature_bounds.min_value + (feature_bounds.max_value - feature_bounds.min_value)
            * (bin_spine.bin_index + 1) / {{ bins }} as {{ double_type() }})                          as bin_upper,
        cast(coalesce(bin_counts.track_count, 0) as integer)                                          as track_count,
        cast(coalesce(bin_counts.track_count, 0) as {{ double_type() }}) / feature_bounds.value_count as track_share
    from feature_bounds
    cross join bin_spine
    left join bin_counts
        on feature_bounds.feature = bin_counts.feature
        and bin_spine.bin_index = bin_counts.bin_index
)

select * from final
