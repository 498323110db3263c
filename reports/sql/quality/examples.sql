-- The first 50 quarantined rows, with every reason and the raw values as read.
select source_name, source_file, source_row_number, raw_track_id, rejection_reasons, cast(raw_values as varchar) as raw_values
from quality.quarantined_rows
order by source_name, source_row_number
limit 50
