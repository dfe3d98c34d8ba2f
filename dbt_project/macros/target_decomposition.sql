{#
  Target decomposition helpers (models/intermediate/targets/, docs/targets_and_scorecards.md).

  allocate_cents: split each group's `pool` (BIGINT cents >= 0) over the group's rows in proportion to
  `w` (DOUBLE >= 0; equal shares when every w is 0) so the shares add up to the pool exactly:
  each row gets the floor of its exact share, and the cents left over go one each to the rows with the
  largest remainders (ties: `order_by`). Integer arithmetic (HUGEINT) throughout, so it is exact.
  Weights are scaled to integers relative to the group's largest weight (12 significant digits).
  Renders a SELECT of the source's columns plus alloc_cents.
#}
{% macro allocate_cents(source, partition_by, order_by) -%}
select * exclude (_wi0, _wi, _sum_wi, _floor_cents, _rem, _pool_left),
    cast(_floor_cents + case when row_number() over (partition by {{ partition_by }} order by _rem desc, {{ order_by }})
                                  <= _pool_left then 1 else 0 end as bigint) as alloc_cents
from (
    select *, pool - sum(_floor_cents) over (partition by {{ partition_by }}) as _pool_left
    from (
        select *,
            (cast(pool as hugeint) * _wi) // _sum_wi as _floor_cents,
            (cast(pool as hugeint) * _wi) % _sum_wi as _rem
        from (
            select *,
                case when sum(_wi0) over (partition by {{ partition_by }}) > 0 then _wi0 else 1 end as _wi,
                case when sum(_wi0) over (partition by {{ partition_by }}) > 0
                     then sum(_wi0) over (partition by {{ partition_by }})
                     else count(*) over (partition by {{ partition_by }}) end as _sum_wi
            from (
                select *,
                    cast(round(case when max(w) over (partition by {{ partition_by }}) > 0
                                    then greatest(w, 0) / max(w) over (partition by {{ partition_by }})
                                    else 0 end * 1e12) as hugeint) as _wi0
                from {{ source }}
            )
        )
    )
)
{%- endmacro %}


{#
  The decomposition of the plan year, grain: level x key x month (cents). `with_manual` false gives the
  pure top-down suggestion (the policy without any manual target), used for the bottom-up gap report.

  1. Bottom-up, level by level (rep, product_line, team, region, company), each unit-month is either
     FIXED (a manual month target; a rep month outside employment = 0; all children fixed = their sum;
     a month absorbing the unit's manual quarter/year target; a new hire's default x ramp) or FREE.
     `cents` holds the fixed value, or for a free unit-month the content already fixed beneath it.
     A manual quarter (then year) target is spread over the unit's free months of that period by
     seasonality (x employed fraction for reps): each free month keeps its content and receives a share
     of what is left of the manual amount (never below 0).
  2. Top-down: the company's free months receive the policy's company target left after its fixed
     months, by seasonality; then every parent's month value is split among its children: fixed children
     keep their value, free children keep their content and share what is left (never below 0) by
     allocation weight (x employed fraction for reps). Regions and product lines are two separate splits
     of the company. Children therefore add up to their parent to the cent unless manual targets
     contradict each other (int_target_conflicts).
#}
{% macro target_decomposition(with_manual=true) -%}
{%- set children = {'team': ['rep'], 'region': ['team', 'rep'], 'company': ['region']} -%}

policy as (

    select * from {{ ref('int_target_policy') }}

),

seasonality as (

    select month_start, seasonality_share from {{ ref('int_target_seasonality') }}

),

units as (

    select * from {{ ref('int_target_units') }}

),

rep_months as (

    select * from {{ ref('int_target_rep_months') }}

),

manual as (

    {% if with_manual %}
    select targets.level, targets.key, targets.period_type, targets.period_start,
           cast(round(targets.target_amount * 100) as bigint) as cents
    from {{ ref('stg_raw__targets') }} as targets
    cross join policy
    inner join units on units.level = targets.level and units.key = targets.key
    where targets.period_type is not null
        and targets.target_amount is not null
        and year(targets.period_start) = policy.plan_year
    {% else %}
    select cast(null as varchar) as level, cast(null as varchar) as key, cast(null as varchar) as period_type,
           cast(null as date) as period_start, cast(null as bigint) as cents
    where false
    {% endif %}

),

{% for level in ['rep', 'product_line', 'team', 'region', 'company'] %}
{% if level in children %}
children_{{ level }} as (

    select
        units.parent_key as key,
        child.month_start,
        bool_and(child.is_fixed) as all_fixed,
        sum(child.cents) as content_cents,
        bool_or(child.source = 'suggested' and child.cents <> 0) or not bool_or(child.source = 'manual') as any_suggested
    from units
    inner join (
        {% for child_level in children[level] %}
        select '{{ child_level }}' as level, * from bu_{{ child_level }}
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) as child on child.level = units.level and child.key = units.key
    where units.parent_level = '{{ level }}'
    group by all

),
{% endif %}

base_{{ level }} as (

    select
        units.key,
        seasonality.month_start,
        seasonality.seasonality_share {% if level == 'rep' %} * rep_months.employed_fraction {% endif %} as time_w,
        case
            when pin.cents is not null then true
            {% if level == 'rep' %} when rep_months.employed_fraction = 0 then true {% endif %}
            {% if level in children %} when kids.all_fixed then true {% endif %}
            else false
        end as is_fixed,
        case
            when pin.cents is not null then pin.cents
            {% if level == 'rep' %} when rep_months.employed_fraction = 0 then 0 {% endif %}
            {% if level in children %} else coalesce(kids.content_cents, 0) {% else %} else 0 {% endif %}
        end as cents,
        case
            when pin.cents is not null then 'manual'
            {% if level == 'rep' %} when rep_months.employed_fraction = 0 then 'suggested' {% endif %}
            {% if level in children %}
            when kids.all_fixed then case when kids.any_suggested then 'suggested' else 'manual' end
            {% endif %}
        end as source,
        case
            when pin.cents is not null then 'given'
            {% if level == 'rep' %} when rep_months.employed_fraction = 0 then 'not_employed' {% endif %}
            {% if level in children %} when kids.all_fixed then 'rolled_up_org' {% endif %}
        end as derivation
    from units
    cross join seasonality
    left join manual as pin
        on pin.level = '{{ level }}' and pin.key = units.key
        and pin.period_type = 'month' and pin.period_start = seasonality.month_start
    {% if level == 'rep' %}
    left join rep_months on rep_months.rep_id = units.key and rep_months.month_start = seasonality.month_start
    {% endif %}
    {% if level in children %}
    left join children_{{ level }} as kids on kids.key = units.key and kids.month_start = seasonality.month_start
    {% endif %}
    where units.level = '{{ level }}'

),

{% for period_type, previous in [('quarter', 'base'), ('year', 'quarter')] %}
{{ period_type }}_pool_{{ level }} as (

    select
        unit.key,
        unit.month_start,
        unit.is_fixed,
        unit.time_w as w,
        greatest(0, pin.cents - sum(unit.cents) over (partition by unit.key, pin.period_start)) as pool,
        pin.period_start as pinned_period
    from {{ previous }}_{{ level }} as unit
    inner join manual as pin
        on pin.level = '{{ level }}' and pin.key = unit.key and pin.period_type = '{{ period_type }}'
        and pin.period_start = date_trunc('{{ period_type }}', unit.month_start)

),

{{ period_type }}_alloc_{{ level }} as (

    {{ allocate_cents('(select * from ' ~ period_type ~ '_pool_' ~ level ~ ' where not is_fixed)',
                      'key, pinned_period', 'month_start') }}

),

{{ period_type }}_{{ level }} as (

    select
        unit.key,
        unit.month_start,
        unit.time_w,
        unit.is_fixed or spread.key is not null as is_fixed,
        unit.cents + coalesce(spread.alloc_cents, 0) as cents,
        case when spread.key is not null then 'manual' else unit.source end as source,
        case when spread.key is not null then 'split_time' else unit.derivation end as derivation
    from {{ previous }}_{{ level }} as unit
    left join {{ period_type }}_alloc_{{ level }} as spread
        on spread.key = unit.key and spread.month_start = unit.month_start

),
{% endfor %}

bu_{{ level }} as (

    select
        unit.key,
        unit.month_start,
        unit.time_w,
        {% if level == 'rep' %}
        unit.is_fixed or rep_months.is_new_hire as is_fixed,
        case when not unit.is_fixed and rep_months.is_new_hire
             then cast(round(rep_months.new_hire_target_amount * 100) as bigint) else unit.cents end as cents,
        case when not unit.is_fixed and rep_months.is_new_hire then 'suggested' else unit.source end as source,
        case when not unit.is_fixed and rep_months.is_new_hire then 'new_hire_default' else unit.derivation end
            as derivation
        {% else %}
        unit.is_fixed,
        unit.cents,
        unit.source,
        unit.derivation
        {% endif %}
    from year_{{ level }} as unit
    {% if level == 'rep' %}
    left join rep_months on rep_months.rep_id = unit.key and rep_months.month_start = unit.month_start
    {% endif %}

),
{% endfor %}

company_pool as (

    select
        unit.key,
        unit.month_start,
        unit.is_fixed,
        unit.time_w as w,
        greatest(0, cast(round(policy.company_target_amount * 100) as bigint)
                    - sum(unit.cents) over (partition by unit.key)) as pool
    from bu_company as unit
    cross join policy

),

company_alloc as (

    {{ allocate_cents('(select * from company_pool where not is_fixed)', 'key', 'month_start') }}

),

td_company as (

    select
        'company' as level,
        unit.key,
        unit.month_start,
        unit.cents + coalesce(spread.alloc_cents, 0) as cents,
        coalesce(unit.source, 'suggested') as source,
        coalesce(unit.derivation, 'policy') as derivation
    from bu_company as unit
    left join company_alloc as spread on spread.month_start = unit.month_start

),

{% set steps = [('company', ['region', 'product_line']), ('region', ['team', 'rep']), ('team', ['rep'])] %}
{% for parent_level, child_levels in steps %}
step_{{ loop.index }}_pool as (

    select
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
            partition by units.parent_key, child.month_start,
                         case when units.level = 'product_line' then 'product_line' else 'org' end)) as pool
    from units
    inner join (
        {% for child_level in child_levels %}
        select '{{ child_level }}' as level, * from bu_{{ child_level }}
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) as child on child.level = units.level and child.key = units.key
    inner join {% if parent_level == 'company' %}td_company{% else %}td_step_{{ loop.index - 1 }}{% endif %} as parent
        on parent.level = units.parent_level and parent.key = units.parent_key
        and parent.month_start = child.month_start
    left join rep_months
        on units.level = 'rep' and rep_months.rep_id = units.key and rep_months.month_start = child.month_start
    where units.parent_level = '{{ parent_level }}' and units.level in ('{{ child_levels | join("', '") }}')

),

step_{{ loop.index }}_alloc as (

    {{ allocate_cents('(select * from step_' ~ loop.index ~ '_pool where not is_fixed)',
                      'parent_key, month_start, branch', 'level, key') }}

),

td_step_{{ loop.index }} as (

    select
        pooled.level,
        pooled.key,
        pooled.month_start,
        pooled.cents + coalesce(spread.alloc_cents, 0) as cents,
        coalesce(pooled.source, 'suggested') as source,
        coalesce(pooled.derivation, 'allocated') as derivation
    from step_{{ loop.index }}_pool as pooled
    left join step_{{ loop.index }}_alloc as spread
        on spread.level = pooled.level and spread.key = pooled.key and spread.month_start = pooled.month_start

),
{% endfor %}

decomposed as (

    select * from td_company
    union all select * from td_step_1
    union all select * from td_step_2
    union all select * from td_step_3

)
{%- endmacro %}
