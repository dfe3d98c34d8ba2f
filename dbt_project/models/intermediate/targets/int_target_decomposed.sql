-- The plan year's targets at month grain for every unit (level x key x month), manual targets and the
-- targets.yml policy combined; see macros/target_decomposition.sql for the algorithm. Amounts in CNY
-- with cents exact: children add up to their parent to the cent (largest-remainder rounding).

with

{{ target_decomposition(with_manual=true) }}

select
    level,
    key,
    month_start,
    cast(cast(cents as decimal(18, 0)) * 0.01 as decimal(18, 2)) as target_amount,
    source,
    derivation
from decomposed
