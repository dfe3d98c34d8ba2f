-- Targets, grain: period_type x period_start x level x key.
-- The plan year of config/targets.yml comes from the target policy (int_target_plan_periods: manual
-- targets win, the policy suggests the rest, children add up to their parent to the cent). Every other
-- year, and every year when targets.yml is absent, holds the manual targets completed by roll-ups
-- (int_targets_rolled_up).

with

rolled_up as (

    select * from {{ ref('int_targets_rolled_up') }}

),

plan as (

    select * from {{ ref('int_target_plan_periods') }}

),

policy as (

    select plan_year from {{ ref('int_target_policy') }}

),

combined as (

    select
        period_type,
        period_start,
        level,
        key,
        target_amount,
        target_amount as stretch_target_amount,
        cast(null as decimal(18, 2)) as suggested_target_amount,
        'manual' as source,
        derivation,
        rollup_parts,
        covered_months,
        false as is_plan_year,
        cast(null as varchar) as allocation_method,
        cast(null as varchar) as allocation_basis
    from rolled_up
    where year(period_start) not in (select plan_year from policy)

    union all

    select
        period_type,
        period_start,
        level,
        key,
        target_amount,
        stretch_target_amount,
        suggested_target_amount,
        source,
        derivation,
        rollup_parts,
        cast(null as integer) as covered_months,
        true as is_plan_year,
        allocation_method,
        allocation_basis
    from plan

),

final as (

    select
        period_type,
        period_start,
        {{ period_end('period_type', 'period_start') }} as period_end,
        {{ period_label('period_type', 'period_start') }} as period_label,
        level,
        key,
        target_amount,
        stretch_target_amount,
        suggested_target_amount,
        source,
        derivation,
        rollup_parts,
        covered_months,
        is_plan_year,
        allocation_method,
        allocation_basis,
        {{ period_status('period_start', period_end('period_type', 'period_start')) }} as period_status

    from combined

)

select * from final
