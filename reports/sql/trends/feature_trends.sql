-- Linear trend of every measure over the last two decades of release years.
select
    feature,
    window_start_year,
    window_end_year,
    year_count,
    track_count,
    window_mean,
    slope_per_decade,
    slope_std_error_per_decade,
    t_statistic,
    r_squared
from marts.mart_feature_trends
order by abs(t_statistic) desc nulls last, feature
