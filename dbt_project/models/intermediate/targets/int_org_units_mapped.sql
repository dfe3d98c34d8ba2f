-- The org tree targets roll up along (grain: child level x child key):
--   rep    -> its team, or its region when the rep has no team
--   team   -> the region most of its reps are in (ties: alphabetically first region)
--   region -> company (key '')
-- Taken from the reps' current assignment (the reps export has no history). Regions named only by a
-- region-level target are included so their targets still reach the company.

with

reps as (

    select * from {{ ref('stg_raw__reps') }}

),

rep_edges as (

    select
        'rep' as child_level,
        rep_id as child_key,
        case when team is not null then 'team' else 'region' end as parent_level,
        coalesce(team, region) as parent_key
    from reps
    where coalesce(team, region) is not null

),

team_regions as (

    select team, region, count(*) as reps_in_region
    from reps
    where team is not null and region is not null
    group by all

),

team_edges as (

    select
        'team' as child_level,
        team as child_key,
        'region' as parent_level,
        region as parent_key
    from team_regions
    qualify row_number() over (partition by team order by reps_in_region desc, region) = 1

),

regions as (

    select region from reps where region is not null
    union
    select key from {{ ref('stg_raw__targets') }} where level = 'region' and key <> ''

),

region_edges as (

    select
        'region' as child_level,
        region as child_key,
        'company' as parent_level,
        '' as parent_key
    from regions

)

select * from rep_edges
union all
select * from team_edges
union all
select * from region_edges
