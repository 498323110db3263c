-- Every raw row per source: accepted into the clean models or quarantined, never lost.
select source_name, source_file, raw_rows, accepted_rows, quarantined_rows, unaccounted_rows, double_counted_rows
from quality.source_reconciliation
order by source_name
