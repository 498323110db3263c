-- The cleaning rules (seed reference.quality_rules).
select rule_code, action, columns, description
from reference.quality_rules
order by action desc, rule_code
