-- Quarantine reasons with the number of rows each applies to and up to 3 example rows.
select
    reasons.source_name,
    reasons.rule_code,
    reasons.column_name,
    reasons.reason,
    any_value(reasons.rule_description)                                                     as rule_description,
    count(*)                                                                                as row_count,
    string_agg(cast(reasons.source_row_number as varchar), ', '
               order by reasons.source_row_number) filter (where reasons.example_rank <= 3) as example_rows
from (
    select *, row_number() over (partition by source_name, reason order by source_row_number) as example_rank
    from quality.quarantine_reasons
) as reasons
group by reasons.source_name, reasons.rule_code, reasons.column_name, reasons.reason
order by row_count desc, reasons.source_name, reasons.reason
