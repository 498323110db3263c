{#-
    One row: when and with what this warehouse was last built. Readers (the reports, an
    analyst checking freshness) take the build time from here, not from the file's mtime,
    which any copy or backup changes.
-#}
with

final as (
    select
        cast('{{ invocation_id }}' as varchar)                                  as invocation_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as built_at_utc,
        cast('{{ dbt_version }}' as varchar)                                    as dbt_version,
        cast('{{ target.name }}' as varchar)                                    as target_name
)

select * from final
