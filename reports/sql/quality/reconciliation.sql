-- Every data line per source: accepted into the clean models or quarantined, never lost.
select source_name, source_file, data_lines, raw_rows, accepted_rows, quarantined_rows,
       malformed_lines, unaccounted_rows, double_counted_rows
from quality.source_reconciliation
order by source_name
