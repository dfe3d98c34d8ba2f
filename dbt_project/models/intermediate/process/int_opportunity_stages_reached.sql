-- One row per opportunity and open stage it reached (stage_order <= max_stage_order): a stage skipped on the
-- way to a later one counts as reached ("reached" is how far a deal got, as funnels count it).
--   reached_at: its first entry into the stage; for a skipped stage, the first entry into a later stage (the
--               first stage: the creation date); is_explicit says which.
--   exited_at:  the first entry into a later stage after reaching this one, else the close for a deal closed
--               in this stage (or closed from an earlier stage straight to won).
--   exit_kind:  advanced (moved on, won included) | lost (lost while in this stage) | NULL (still in it).
--   days_in_stage: exited_at - reached_at in calendar days, for explicit entries that exited.

with

opportunities as (

    select * from {{ ref('int_opportunities_enriched') }}

),

open_stages as (

    select stage, stage_order from {{ ref('int_process_stages') }} where stage_kind = 'open'

),

entries as (

    select opportunity_id, stage_order, min(entered_at) as entered_at
    from {{ ref('int_opportunity_stage_history') }}
    where stage_kind = 'open' and is_stage_change
    group by opportunity_id, stage_order

),

reached as (

    select
        o.opportunity_id,
        s.stage,
        s.stage_order,
        o.max_stage_order,
        o.status,
        o.created_on,
        o.closed_on,
        e.entered_at
    from opportunities as o
    inner join open_stages as s on s.stage_order <= o.max_stage_order
    left join entries as e on e.opportunity_id = o.opportunity_id and e.stage_order = s.stage_order

),

later as (  -- the first entry into a later stage, after this stage's own entry when it has one

    select
        r.opportunity_id,
        r.stage_order,
        min(e.entered_at) as next_entered_at
    from reached as r
    inner join entries as e
        on e.opportunity_id = r.opportunity_id
        and e.stage_order > r.stage_order
        and (r.entered_at is null or e.entered_at >= r.entered_at)
    group by r.opportunity_id, r.stage_order

),

timed as (

    select
        r.opportunity_id,
        r.stage,
        r.stage_order,
        r.entered_at is not null as is_explicit,
        coalesce(
            r.entered_at,
            case when r.stage_order = 1 then cast(r.created_on as timestamp) end,
            l.next_entered_at,
            cast(r.closed_on as timestamp)
        ) as reached_at,
        coalesce(
            l.next_entered_at,
            case when r.closed_on is not null then cast(r.closed_on as timestamp) end
        ) as exited_at,
        case
            when l.next_entered_at is not null then 'advanced'
            when r.status = 'won' then 'advanced'
            when r.status = 'lost' and r.stage_order = r.max_stage_order then 'lost'
            when r.status = 'lost' then 'advanced'
        end as exit_kind,
        r.entered_at
    from reached as r
    left join later as l on l.opportunity_id = r.opportunity_id and l.stage_order = r.stage_order

)

select
    opportunity_id,
    stage,
    stage_order,
    is_explicit,
    reached_at,
    cast(reached_at as date) as reached_on,
    exited_at,
    cast(exited_at as date) as exited_on,
    exit_kind,
    case
        when is_explicit and exited_at is not null and exit_kind is not null
            then {{ days_from('entered_at', 'exited_at') }}
    end as days_in_stage
from timed
