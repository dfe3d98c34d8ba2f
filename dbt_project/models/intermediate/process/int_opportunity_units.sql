-- Which funnel / pipeline rows an opportunity counts in: one row per (level, key, breakdown, breakdown_value).
--   levels:     company (key ''), region, team, rep (the owner); an unassigned lead (no owner) counts in the
--               level 'unassigned' (key '') instead of a team or rep, and in its company and region as usual;
--   breakdowns: all (breakdown_value ''), and by lead source and by product line at the company, region, team
--               and unassigned levels (not per rep: too thin to read).

with

opportunities as (

    select opportunity_id, owner_rep_id, region, team, source, product_line, is_unassigned
    from {{ ref('int_opportunities_enriched') }}

),

levels as (

    select opportunity_id, 'company' as level, '' as key, source, product_line from opportunities
    union all
    select opportunity_id, 'region', region, source, product_line from opportunities
    union all
    select opportunity_id, 'team', team, source, product_line from opportunities where team is not null
    union all
    select opportunity_id, 'unassigned', '', source, product_line from opportunities where is_unassigned

),

units as (

    select opportunity_id, level, key, 'all' as breakdown, '' as breakdown_value from levels
    union all
    select opportunity_id, 'rep', owner_rep_id, 'all', '' from opportunities where not is_unassigned
    union all
    select opportunity_id, level, key, 'source', source from levels
    union all
    select opportunity_id, level, key, 'product_line', product_line from levels

)

select opportunity_id, level, key, breakdown, breakdown_value from units
