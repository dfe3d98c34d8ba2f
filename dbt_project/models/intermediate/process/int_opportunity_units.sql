-- Which funnel / pipeline rows an opportunity counts in: one row per (level, key, breakdown, breakdown_value);
-- the rule is the macro process_units (macros/process_units.sql), shared with the marts that fan out aggregates.

with

opportunities as (

    select opportunity_id, owner_rep_id, region, team, source, product_line, is_unassigned
    from {{ ref('int_opportunities_enriched') }}

),

units as (

    {{ process_units('opportunities', ['opportunity_id']) }}

)

select opportunity_id, level, key, breakdown, breakdown_value from units
