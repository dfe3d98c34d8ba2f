{#-
  Step 1 of the plan year's decomposition (docs/targets_and_scorecards.md), bottom-up, level by level
  (rep, product_line, team, region, company). Grain: with_manual x level x key x month_start.

  Both scenarios are computed side by side: with_manual = true applies the manual targets of the plan year
  (int_target_decomposed), with_manual = false ignores them (the pure top-down suggestion of the policy,
  int_target_top_down, used for the bottom-up gap report). Every join and window is per scenario.

  Each unit-month is either FIXED (a manual month target; a rep month outside employment = 0; all children
  fixed = their sum; a month absorbing the unit's manual quarter/year target; a new hire's default x ramp)
  or FREE. `cents` holds the fixed value, or for a free unit-month the content already fixed beneath it.
  A manual quarter (then year) target is spread over the unit's free months of that period by seasonality
  (x employed fraction for reps): each free month keeps its content and receives a share of what is left
  of the manual amount (never below 0). int_target_months_allocated then fills the free months top-down.
-#}
{%- set levels = ['rep', 'product_line', 'team', 'region', 'company'] -%}
{%- set children = {'team': ['rep'], 'region': ['team', 'rep'], 'company': ['region']} -%}

with

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

scenarios as (

    select true as with_manual
    union all
    select false as with_manual

),

manual as (

    -- the plan year's manual targets of known units, in cents; none in the policy-only scenario
    select
        true as with_manual,
        targets.level,
        targets.key,
        targets.period_type,
        targets.period_start,
        cast(round({{ money_times('targets.target_amount', '100') }}) as bigint) as cents
    from {{ ref('stg_raw__targets') }} as targets
    cross join policy
    inner join units on units.level = targets.level and units.key = targets.key
    where targets.period_type is not null
        and targets.target_amount is not null
        and year(targets.period_start) = policy.plan_year

),

{% for level in levels %}
{% if level in children %}
children_{{ level }} as (

    select
        child.with_manual,
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
        scenarios.with_manual,
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
    cross join scenarios
    left join manual as pin
        on pin.with_manual = scenarios.with_manual
        and pin.level = '{{ level }}' and pin.key = units.key
        and pin.period_type = 'month' and pin.period_start = seasonality.month_start
    {% if level == 'rep' %}
    left join rep_months on rep_months.rep_id = units.key and rep_months.month_start = seasonality.month_start
    {% endif %}
    {% if level in children %}
    left join children_{{ level }} as kids
        on kids.with_manual = scenarios.with_manual
        and kids.key = units.key and kids.month_start = seasonality.month_start
    {% endif %}
    where units.level = '{{ level }}'

),

{% for period_type, previous in [('quarter', 'base'), ('year', 'quarter')] %}
{{ period_type }}_pool_{{ level }} as (

    select
        unit.with_manual,
        unit.key,
        unit.month_start,
        unit.is_fixed,
        unit.time_w as w,
        greatest(0, pin.cents - sum(unit.cents) over (partition by unit.with_manual, unit.key, pin.period_start)) as pool,
        pin.period_start as pinned_period
    from {{ previous }}_{{ level }} as unit
    inner join manual as pin
        on pin.with_manual = unit.with_manual
        and pin.level = '{{ level }}' and pin.key = unit.key and pin.period_type = '{{ period_type }}'
        and pin.period_start = {{ period_start(period_type, 'unit.month_start') }}

),

{{ period_type }}_alloc_{{ level }} as (

    {{ allocate_cents('(select * from ' ~ period_type ~ '_pool_' ~ level ~ ' where not is_fixed)',
                      'with_manual, key, pinned_period', 'month_start') }}

),

{{ period_type }}_{{ level }} as (

    select
        unit.with_manual,
        unit.key,
        unit.month_start,
        unit.time_w,
        unit.is_fixed or spread.key is not null as is_fixed,
        unit.cents + coalesce(spread.alloc_cents, 0) as cents,
        case when spread.key is not null then 'manual' else unit.source end as source,
        case when spread.key is not null then 'split_time' else unit.derivation end as derivation
    from {{ previous }}_{{ level }} as unit
    left join {{ period_type }}_alloc_{{ level }} as spread
        on spread.with_manual = unit.with_manual
        and spread.key = unit.key and spread.month_start = unit.month_start

),
{% endfor %}

bu_{{ level }} as (

    select
        unit.with_manual,
        unit.key,
        unit.month_start,
        unit.time_w,
        {% if level == 'rep' %}
        -- a new hire's free months get the default target x ramp instead of a share
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

){% if not loop.last %},{% endif %}

{% endfor %}

{% for level in levels %}
select with_manual, '{{ level }}' as level, key, month_start, time_w, is_fixed, cast(cents as bigint) as cents, source,
    derivation
from bu_{{ level }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
