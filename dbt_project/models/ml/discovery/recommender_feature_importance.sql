{#- What the hybrid's re-ranker learned to look at: each candidate feature's share of the
    gradient-boosted model's total split gain (no rows when it fell back to its fixed order
    because the validation split held nothing to learn from). -#}
with

importance as (
    select * from {{ discovery_current_run('recommender_feature_importance') }}
),

final as (
    select
        cast(run_id as varchar)  as run_id,
        cast(feature as varchar) as feature,
        cast(gain as double)     as gain_share
    from importance
)

select * from final
