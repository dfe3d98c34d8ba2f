-- The pure top-down suggestion of the plan year (the targets.yml policy with no manual target applied),
-- grain: level x key x month. The number bottom-up (rep-submitted) targets are compared with.

with

{{ target_decomposition(with_manual=false) }}

select
    level,
    key,
    month_start,
    cast(cast(cents as decimal(18, 0)) * 0.01 as decimal(18, 2)) as target_amount
from decomposed
