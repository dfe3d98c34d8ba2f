-- The plan year's targets at month grain for every unit (level x key x month), manual targets and the
-- targets.yml policy combined: the with_manual scenario of int_target_months_allocated (the algorithm is
-- in int_target_months_bottom_up and int_target_months_allocated). Amounts in CNY with cents exact:
-- children add up to their parent to the cent (largest-remainder rounding).

select
    level,
    key,
    month_start,
    cast(cast(cents as decimal(18, 0)) * 0.01 as decimal(18, 2)) as target_amount,
    source,
    derivation
from {{ ref('int_target_months_allocated') }}
where with_manual
