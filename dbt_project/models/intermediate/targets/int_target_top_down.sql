-- The pure top-down suggestion of the plan year (the targets.yml policy with no manual target applied),
-- grain: level x key x month. The number bottom-up (rep-submitted) targets are compared with: the
-- policy-only scenario of int_target_months_allocated.

select
    level,
    key,
    month_start,
    cast(cast(cents as decimal(18, 0)) * 0.01 as decimal(18, 2)) as target_amount
from {{ ref('int_target_months_allocated') }}
where not with_manual
