{#-
  Step 2 of the plan year's decomposition (docs/targets_and_scorecards.md), top-down, for both scenarios of
  int_target_months_bottom_up (with_manual true: manual targets applied; false: the policy alone).
  Grain: with_manual x level x key x month_start, amounts in whole cents.

  The company's free months receive the policy's company target left after its fixed months, by
  seasonality; then every parent's month value is split among its children: fixed children keep their
  value, free children keep their content and share what is left (never below 0) by allocation weight
  (x employed fraction for reps). Regions and product lines are two separate splits of the company.
  Children therefore add up to their parent to the cent unless manual targets contradict each other.
-#}
{%- set steps = [('company', ['region', 'product_line']), ('region', ['team', 'rep']), ('team', ['rep'])] -%}

with

policy as (

    select * from {{ ref('int_target_policy') }}

),

units as (

    select * from {{ ref('int_target_units') }}

),

rep_months as (

    select * from {{ ref('int_target_rep_months') }}

),

bottom_up as (

    select * from {{ ref('int_target_months_bottom_up') }}

),

company_pool as (

    select
        unit.with_manual,
        unit.key,
        unit.month_start,
        unit.is_fixed,
        unit.time_w as w,
        greatest(0, cast(round(policy.company_target_amount * 100) as bigint)
                    - sum(unit.cents) over (partition by unit.with_manual, unit.key)) as pool
    from bottom_up as unit
    cross join policy
    where unit.level = 'company'

),

company_alloc as (

    {{ allocate_cents('(select * from company_pool where not is_fixed)', 'with_manual, key', 'month_start') }}

),

td_company as (

    select
        unit.with_manual,
        'company' as level,
        unit.key,
        unit.month_start,
        unit.cents + coalesce(spread.alloc_cents, 0) as cents,
        coalesce(unit.source, 'suggested') as source,
        coalesce(unit.derivation, 'policy') as derivation
    from bottom_up as unit
    left join company_alloc as spread
        on spread.with_manual = unit.with_manual and spread.month_start = unit.month_start
    where unit.level = 'company'

),

{% for parent_level, child_levels in steps %}
step_{{ loop.index }}_pool as (

    select
        child.with_manual,
        units.level,
        units.key,
        units.parent_level,
        units.parent_key,
        case when units.level = 'product_line' then 'product_line' else 'org' end as branch,
        child.month_start,
        child.is_fixed,
        child.cents,
        child.source,
        child.derivation,
        units.allocation_weight * coalesce(rep_months.employed_fraction, 1) as w,
        greatest(0, parent.cents - sum(child.cents) over (
            partition by child.with_manual, units.parent_key, child.month_start,
                         case when units.level = 'product_line' then 'product_line' else 'org' end)) as pool
    from units
    inner join bottom_up as child
        on child.level = units.level and child.key = units.key
    inner join {% if parent_level == 'company' %}td_company{% else %}td_step_{{ loop.index - 1 }}{% endif %} as parent
        on parent.with_manual = child.with_manual
        and parent.level = units.parent_level and parent.key = units.parent_key
        and parent.month_start = child.month_start
    left join rep_months
        on units.level = 'rep' and rep_months.rep_id = units.key and rep_months.month_start = child.month_start
    where units.parent_level = '{{ parent_level }}' and units.level in ('{{ child_levels | join("', '") }}')

),

step_{{ loop.index }}_alloc as (

    {{ allocate_cents('(select * from step_' ~ loop.index ~ '_pool where not is_fixed)',
                      'with_manual, parent_key, month_start, branch', 'level, key') }}

),

td_step_{{ loop.index }} as (

    select
        pooled.with_manual,
        pooled.level,
        pooled.key,
        pooled.month_start,
        pooled.cents + coalesce(spread.alloc_cents, 0) as cents,
        coalesce(pooled.source, 'suggested') as source,
        coalesce(pooled.derivation, 'allocated') as derivation
    from step_{{ loop.index }}_pool as pooled
    left join step_{{ loop.index }}_alloc as spread
        on spread.with_manual = pooled.with_manual
        and spread.level = pooled.level and spread.key = pooled.key and spread.month_start = pooled.month_start

),
{% endfor %}

allocated as (

    select * from td_company
    union all select * from td_step_1
    union all select * from td_step_2
    union all select * from td_step_3

)

select with_manual, level, key, month_start, cast(cents as bigint) as cents, source, derivation
from allocated
