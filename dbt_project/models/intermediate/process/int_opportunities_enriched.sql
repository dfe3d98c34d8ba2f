-- One row per opportunity with what the funnel and the pipeline group and date it by:
--   owner (NULL = an unassigned lead: it counts for the company, its region, source and product line, never
--   against a rep), region (the owner's, else the customer's, else 未分配), team (the owner's), lead source and
--   product line (未知 when the export has none);
--   created_on: created_date, else the first change in the history (first seen);
--   closed_on (won / lost deals): closed_date, else the first won / lost change in the history, else the day
--   the CRM last updated the record;
--   max_stage_order: the furthest open stage reached (a won deal passed every open stage; every deal
--   reached the first one when it was created).

with

opportunities as (

    select * from {{ ref('stg_raw__opportunities') }}

),

reps as (

    select rep_id, region, team from {{ ref('stg_raw__reps') }}

),

customers as (

    select customer_id, region from {{ ref('stg_raw__customers') }}

),

history as (

    select * from {{ ref('int_opportunity_stage_history') }}

),

open_stages as (

    select stage, stage_order from {{ ref('int_process_stages') }} where stage_kind = 'open'

),

n_open as (

    select coalesce(max(stage_order), 0) as n_open from open_stages

),

history_facts as (

    select
        opportunity_id,
        min(entered_on) as first_seen_on,
        min(case when stage_kind in ('won', 'lost') then entered_on end) as first_closed_on,
        max(case when stage_kind = 'open' and is_stage_change then stage_order end) as max_entered_order,
        sum(case when is_stage_change and stage_kind = 'open' then 1 else 0 end) as stage_entries,
        sum(case when is_stage_change and stage_kind = 'open' and not is_exact then 1 else 0 end)
            as snapshot_stage_entries
    from history
    group by opportunity_id

),

joined as (

    select
        o.opportunity_id,
        o.customer_id,
        nullif(trim(o.owner_rep_id), '') as owner_rep_id,
        coalesce(r.region, c.region, '未分配') as region,
        r.team,
        coalesce(o.source, '未知') as source,
        coalesce(o.product_line, '未知') as product_line,
        o.status,
        o.stage as current_stage,
        cs.stage_order as current_stage_order,
        o.amount,
        o.expected_close_date,
        o.lost_reason,
        coalesce(o.created_date, h.first_seen_on, cast(o.updated_at as date)) as created_on,
        case
            when o.created_date is not null then 'created_date'
            when h.first_seen_on is not null then 'first seen'
            else 'updated_at'
        end as created_on_source,
        case
            when o.status in ('won', 'lost')
                then coalesce(o.closed_date, h.first_closed_on, cast(o.updated_at as date), {{ as_of_date() }})
        end as closed_on,
        case
            when o.status = 'won' then greatest(n.n_open, 1)
            else greatest(coalesce(h.max_entered_order, 0), coalesce(cs.stage_order, 0), 1)
        end as max_stage_order,
        coalesce(h.stage_entries, 0) as stage_entries,
        coalesce(h.snapshot_stage_entries, 0) as snapshot_stage_entries,
        o.updated_at
    from opportunities as o
    cross join n_open as n
    left join reps as r on r.rep_id = nullif(trim(o.owner_rep_id), '')
    left join customers as c on c.customer_id = o.customer_id
    left join history_facts as h on h.opportunity_id = o.opportunity_id
    left join open_stages as cs on cs.stage = o.stage

)

select
    *,
    owner_rep_id is null as is_unassigned,
    case
        when status = 'won' then {{ days_from('created_on', 'closed_on') }}
    end as sales_cycle_days
from joined
