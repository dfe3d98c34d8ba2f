-- Every rolled-up target equals the sum of the parts it was rolled up from:
--   rolled_up_time: the same level and key's targets of the next finer period type within the period;
--   rolled_up_org:  the targets of its children (int_org_units_mapped) for the same period.
-- (Suggested targets of the plan year are split, not summed: tests/assert_target_children_sum_to_parent.sql.)
-- Returns the offending rows.
-- Reported in Dagster as an asset check on fct_targets (a singular test with several refs needs to be told which).
{{ config(meta={'dagster': {'ref': {'name': 'fct_targets'}}}) }}

with

targets as (

    select * from {{ ref('fct_targets') }}

),

finer as (

    select * from (values ('quarter', 'month'), ('year', 'quarter')) as t(period_type, finer_period_type)

),

time_parts as (

    select
        targets.period_type,
        targets.period_start,
        targets.level,
        targets.key,
        sum(parts.target_amount) as parts_amount,
        count(*) as parts_count
    from targets
    inner join finer on targets.period_type = finer.period_type
    inner join targets as parts
        on parts.level = targets.level
        and parts.key = targets.key
        and parts.period_type = finer.finer_period_type
        and parts.period_start between targets.period_start and targets.period_end
    where targets.derivation = 'rolled_up_time'
    group by all

),

org_parts as (

    select
        targets.period_type,
        targets.period_start,
        targets.level,
        targets.key,
        sum(parts.target_amount) as parts_amount,
        count(*) as parts_count
    from targets
    inner join {{ ref('int_org_units_mapped') }} as edges
        on edges.parent_level = targets.level
        and edges.parent_key = targets.key
    inner join targets as parts
        on parts.level = edges.child_level
        and parts.key = edges.child_key
        and parts.period_type = targets.period_type
        and parts.period_start = targets.period_start
    where targets.derivation = 'rolled_up_org'
    group by all

),

parts as (

    select * from time_parts
    union all
    select * from org_parts

)

select
    targets.period_type,
    targets.period_start,
    targets.level,
    targets.key,
    targets.derivation,
    targets.target_amount,
    parts.parts_amount,
    targets.rollup_parts,
    parts.parts_count
from targets
left join parts
    on targets.period_type = parts.period_type
    and targets.period_start = parts.period_start
    and targets.level = parts.level
    and targets.key = parts.key
where targets.derivation in ('rolled_up_time', 'rolled_up_org')  -- policy rows are checked by the targets tests
    and (
        parts.parts_amount is null
        or targets.target_amount <> parts.parts_amount
        or targets.rollup_parts <> parts.parts_count
    )
