-- Plan year of config/targets.yml: children add up to their parent to the cent, in every period, and
-- months add up to quarters and years, wherever the parent is not a manual target (a manual parent that
-- disagrees with manual children is a contradiction in the inputs, reported in fct_target_gaps).
-- Returns the offending rows.
-- Reported in Dagster as an asset check on fct_targets (a singular test with several refs needs to be told which).
{{ config(meta={'dagster': {'ref': {'name': 'fct_targets'}}}) }}

with

targets as (

    select * from {{ ref('fct_targets') }} where is_plan_year

),

org as (

    select parent.period_type, parent.period_start, parent.level, parent.key, parent.target_amount,
           case when units.level = 'product_line' then 'product_lines' else 'org_children' end as check_kind,
           sum(child.target_amount) as parts_amount
    from targets as parent
    inner join {{ ref('int_target_units') }} as units
        on units.parent_level = parent.level and units.parent_key = parent.key
    inner join targets as child
        on child.level = units.level and child.key = units.key
        and child.period_type = parent.period_type and child.period_start = parent.period_start
    where parent.source = 'suggested'
    group by all

),

time_parts as (

    select parent.period_type, parent.period_start, parent.level, parent.key, parent.target_amount,
           'months' as check_kind, sum(child.target_amount) as parts_amount
    from targets as parent
    inner join targets as child
        on child.level = parent.level and child.key = parent.key and child.period_type = 'month'
        and child.period_start between parent.period_start and parent.period_end
    where parent.period_type in ('quarter', 'year') and parent.derivation <> 'given'
    group by all

)

select * from org where target_amount <> parts_amount
union all
select * from time_parts where target_amount <> parts_amount
