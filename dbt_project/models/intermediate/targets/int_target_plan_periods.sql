-- The plan year's targets at month, quarter and year, grain: level x key x period_type x period_start.
-- Months come from int_target_decomposed; quarters and years are the sums of their months
-- ('rolled_up_time'), except where a manual target names exactly that period ('given': a manual target
-- always wins; it equals the sum of its months unless manual targets contradict each other, see
-- int_target_conflicts). source is 'manual' when every non-zero part comes from manual targets.
-- suggested_target_amount is the pure top-down number of the policy (int_target_top_down).
-- allocation_method / allocation_basis: targets.yml's method for the unit's level and, for potential, the
-- forecast model or the no-history fallback behind its share (int_target_units).

with

months as (

    select * from {{ ref('int_target_decomposed') }}

),

top_down as (

    select * from {{ ref('int_target_top_down') }}

),

policy as (

    select * from {{ ref('int_target_policy') }}

),

units as (

    select level, key, allocation_method, allocation_basis from {{ ref('int_target_units') }}

),

manual as (

    select targets.level, targets.key, targets.period_type, targets.period_start, targets.target_amount
    from {{ ref('stg_raw__targets') }} as targets
    cross join policy
    where targets.period_type in ('quarter', 'year')
        and targets.target_amount is not null
        and year(targets.period_start) = policy.plan_year

),

{% set period_types = ['month', 'quarter', 'year'] %}

summed as (

    {% for period_type in period_types %}
    select
        '{{ period_type }}' as period_type,
        cast(date_trunc('{{ period_type }}', months.month_start) as date) as period_start,
        months.level,
        months.key,
        sum(months.target_amount) as target_amount,
        sum(top_down.target_amount) as suggested_target_amount,
        {% if period_type == 'month' %}
        any_value(months.source) as source,
        any_value(months.derivation) as derivation,
        cast(null as bigint) as rollup_parts
        {% else %}
        case when bool_or(months.source = 'manual')
                  and not bool_or(months.source = 'suggested' and months.target_amount <> 0)
             then 'manual' else 'suggested' end as source,
        'rolled_up_time' as derivation,
        {% if period_type == 'year' %}count(distinct quarter(months.month_start)){% else %}count(*){% endif %} as rollup_parts
        {% endif %}
    from months
    left join top_down
        on top_down.level = months.level and top_down.key = months.key and top_down.month_start = months.month_start
    group by all
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    summed.period_type,
    summed.period_start,
    summed.level,
    summed.key,
    coalesce(manual.target_amount, summed.target_amount) as target_amount,
    cast(round(coalesce(manual.target_amount, summed.target_amount) * (1 + policy.stretch_pct), 2)
         as decimal(18, 2)) as stretch_target_amount,
    summed.suggested_target_amount,
    summed.target_amount as sum_of_months_amount,
    case when manual.target_amount is not null then 'manual' else summed.source end as source,
    case when manual.target_amount is not null then 'given' else summed.derivation end as derivation,
    case when manual.target_amount is not null then null else summed.rollup_parts end as rollup_parts,
    -- the unit's allocation method and what its share rested on (a forecast model or a fallback); the company
    -- has none (its target comes from the policy)
    units.allocation_method,
    units.allocation_basis
from summed
cross join policy
left join units on units.level = summed.level and units.key = summed.key and summed.level <> 'company'
left join manual
    on manual.level = summed.level and manual.key = summed.key
    and manual.period_type = summed.period_type and manual.period_start = summed.period_start
