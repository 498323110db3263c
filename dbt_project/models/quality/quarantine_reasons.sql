{#- One row per (quarantined row, reason): the long form of quarantined_rows.rejection_reasons,
    split into the rule code and the column it was found in, and joined to the rule's
    documentation, so reasons can be counted and explained. malformed_line names no column. -#}
with

quarantined as (
    select source_name, source_file, source_row_number, rejection_reasons
    from {{ ref('quarantined_rows') }}
),

rules as (
    select rule_code, description from {{ ref('quality_rules') }}
),

exploded as (
    select
        quarantined.source_name,
        quarantined.source_file,
        quarantined.source_row_number,
        reason.reason,
        reason.reason_position
    from {{ split_to_rows('quarantined', 'rejection_reasons', ';', 'reason', 'reason', 'reason_position') }}
),

final as (
    select
        exploded.source_name,
        exploded.source_file,
        exploded.source_row_number,
        cast(exploded.reason_position as integer)                     as reason_position,
        exploded.reason,
        {{ dbt.split_part('exploded.reason', "':'", 1) }}             as rule_code,
        nullif({{ dbt.split_part('exploded.reason', "':'", 2) }}, '') as column_name,
        rules.description                                             as rule_description
    from exploded
    left join rules
        on {{ dbt.split_part('exploded.reason', "':'", 1) }} = rules.rule_code
)

select * from final
