-- The first 50 quarantined lines, with every reason and the raw values as read (for a
-- malformed line: what was wrong and its text).
select
    source_name,
    source_file,
    source_row_number,
    source_line_number,
    raw_track_id,
    rejection_reasons,
    case
        when malformed_detail is not null then malformed_detail || ': ' || raw_line
        else cast(raw_values as varchar)
    end as raw_values
from quality.quarantined_rows
order by source_name, source_file, source_row_number
limit 50
