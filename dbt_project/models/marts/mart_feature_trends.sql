{#-
    One row per measure (popularity and every profile feature): the linear trend of its
    yearly mean over the last `trend_window_years` release years of the data.

    The fit is over yearly means (one point per year), not over tracks: tracks of one year
    share that year's conditions, so treating them as independent observations would make
    the standard error far too small. The standard error is the textbook one for an
    ordinary least-squares slope, with year_count - 2 degrees of freedom.
-#}
{%- set measures = ['popularity'] + var('profile_features') -%}
with

yearly as (
    select * from {{ ref('mart_release_year_trends') }}
),

window_bounds as (
    select
        max(release_year) - {{ var('trend_window_years') }} + 1 as window_start_year,
        max(release_year)                                       as window_end_year
    from yearly
),

in_window as (
    select yearly.*, window_bounds.window_start_year, window_bounds.window_end_year
    from yearly
    cross join window_bounds
    where yearly.release_year >= window_bounds.window_start_year
),

measure_points as (
    {%- for measure in measures %}
    select
        '{{ measure }}'                           as feature,
        window_start_year,
        window_end_year,
        track_count,
        cast(release_year as {{ double_type() }}) as x,
        avg_{{ measure }}                         as y
    from in_window
    where avg_{{ measure }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

fits as (
    select
        feature,
        min(window_start_year) as window_start_year,
        min(window_end_year)   as window_end_year,
        count(*)               as year_count,
        sum(track_count)       as track_count,
        avg(y)                 as window_mean,
        regr_slope(y, x)       as slope,
        regr_sxx(y, x)         as sxx,
        regr_syy(y, x)         as syy,
        regr_sxy(y, x)         as sxy,
        regr_r2(y, x)          as r_squared
    from measure_points
    group by feature
),

with_errors as (
    select
        *,
        case
            when year_count > 2 and sxx > 0
                then sqrt(greatest(syy - slope * sxy, 0) / (year_count - 2) / sxx)
        end as slope_std_error
    from fits
),

final as (
    select
        feature,
        cast(window_start_year as integer)                as window_start_year,
        cast(window_end_year as integer)                  as window_end_year,
        cast(year_count as integer)                       as year_count,
        cast(track_count as integer)                      as track_count,
        cast(window_mean as {{ double_type() }})          as window_mean,
        cast(slope * 10 as {{ double_type() }})           as slope_per_decade,
        cast(slope_std_error * 10 as {{ double_type() }}) as slope_std_error_per_decade,
        cast(
            case when slope_std_error > 0 then slope / slope_std_error end
            as {{ double_type() }}
        )                                                 as t_statistic,
        cast(r_squared as {{ double_type() }})            as r_squared
    from with_errors
)

select * from final
