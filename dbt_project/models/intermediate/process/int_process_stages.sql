-- The stages of the funnel, resolved once: which names are open stages (in what order) and which mean won or
-- lost, and each open stage's win probability for the weighted pipeline.
--   kind:        process.yml (stages / won_stages / lost_stages), else the built-in won / lost names below,
--                else the data: a name that only ever is the current stage of won (lost) deals means won (lost);
--                every other name is an open stage.
--   order:       process.yml's order; stages it does not name follow, by their average position in the deals'
--                histories (first entries, in time order), then by name.
--   probability: process.yml; else the median probability the landed history gives the stage; else the
--                historic win rate of deals that reached it (won / closed, closed deals only); else NULL.
-- The won row (stage_order = open stages + 1) is where the funnel puts its won deals; its name is the won stage
-- name most won deals carry.

with

configured as (

    select stage, stage_order, probability, stage_kind from {{ ref('stg_config__process_stages') }}

),

landed as (

    select opportunity_id, stage, entered_at, probability from {{ ref('stg_raw__opportunity_stages') }}

),

snapshots as (

    select opportunity_id, stage, observed_at as entered_at from {{ ref('int_opportunity_stage_snapshots') }}

),

opportunities as (

    select opportunity_id, stage, status from {{ ref('stg_raw__opportunities') }}

),

names as (

    select stage from landed
    union
    select stage from snapshots
    union
    select stage from opportunities where stage is not null
    union
    select stage from configured

),

current_use as (

    select
        stage,
        sum(case when status = 'open' then 1 else 0 end) as open_deals,
        sum(case when status = 'won' then 1 else 0 end) as won_deals,
        sum(case when status = 'lost' then 1 else 0 end) as lost_deals
    from opportunities
    group by stage

),

kinds as (

    select
        n.stage,
        case
            when c.stage_kind is not null then c.stage_kind
            when lower(n.stage) in ('closed won', 'won', '赢单', '已赢单', '成交', '已成交', '签约', '已签约') then 'won'
            when lower(n.stage) in ('closed lost', 'lost', '输单', '已输单', '丢单', '失败', '无效', '关闭') then 'lost'
            when u.won_deals > 0 and coalesce(u.open_deals, 0) = 0 and coalesce(u.lost_deals, 0) = 0 then 'won'
            when u.lost_deals > 0 and coalesce(u.open_deals, 0) = 0 and coalesce(u.won_deals, 0) = 0 then 'lost'
            else 'open'
        end as stage_kind,
        c.stage_order as configured_order,
        c.probability as configured_probability
    from names as n
    left join configured as c on c.stage = n.stage
    left join current_use as u on u.stage = n.stage

),

events as (

    select opportunity_id, stage, entered_at from landed
    union all
    select opportunity_id, stage, entered_at from snapshots

),

first_entries as (

    select e.opportunity_id, e.stage, min(e.entered_at) as entered_at
    from events as e
    inner join kinds as k on k.stage = e.stage and k.stage_kind = 'open'
    group by e.opportunity_id, e.stage

),

positions as (

    select
        stage,
        avg(cast(position as double)) as avg_position
    from (
        select
            stage,
            row_number() over (partition by opportunity_id order by entered_at, stage) as position
        from first_entries
    ) as p
    group by stage

),

open_ordered as (

    select
        k.stage,
        k.configured_probability,
        row_number() over (
            order by
                case when k.configured_order is null then 1 else 0 end,
                k.configured_order,
                p.avg_position,
                k.stage
        ) as stage_order,
        case when k.configured_order is not null then 'config' else 'history' end as order_source
    from kinds as k
    left join positions as p on p.stage = k.stage
    where k.stage_kind = 'open'

),

reached as (  -- closed deals and the highest open stage they entered (a won deal passed every stage)

    select
        o.opportunity_id,
        o.status,
        case
            when o.status = 'won' then (select max(stage_order) from open_ordered)
            else coalesce(max(s.stage_order), 1)
        end as max_order
    from opportunities as o
    left join first_entries as f on f.opportunity_id = o.opportunity_id
    left join open_ordered as s on s.stage = f.stage
    where o.status in ('won', 'lost')
    group by o.opportunity_id, o.status

),

historic as (

    select
        s.stage,
        {{ safe_ratio("sum(case when r.status = 'won' then 1 else 0 end)", 'count(*)') }} as win_rate
    from open_ordered as s
    inner join reached as r on r.max_order >= s.stage_order
    group by s.stage

),

landed_probability as (

    select stage, {{ percentile_value('probability', 0.5) }} as probability
    from landed
    where probability is not null
    group by stage

),

won_name as (

    select stage
    from (
        select
            o.stage,
            row_number() over (order by count(*) desc, o.stage) as rk
        from opportunities as o
        inner join kinds as k on k.stage = o.stage and k.stage_kind = 'won'
        where o.status = 'won'
        group by o.stage
    ) as w
    where rk = 1

),

open_stages as (

    select
        o.stage,
        'open' as stage_kind,
        cast(o.stage_order as integer) as stage_order,
        coalesce(o.configured_probability, lp.probability, h.win_rate) as probability,
        case
            when o.configured_probability is not null then 'config'
            when lp.probability is not null then 'landed history'
            when h.win_rate is not null then 'historic win rate'
        end as probability_source,
        o.order_source
    from open_ordered as o
    left join landed_probability as lp on lp.stage = o.stage
    left join historic as h on h.stage = o.stage

),

closed_stages as (

    select
        k.stage,
        k.stage_kind,
        cast(null as integer) as stage_order,
        case when k.stage_kind = 'won' then 1.0 else 0.0 end as probability,
        'closed stage' as probability_source,
        cast(null as {{ dbt.type_string() }}) as order_source
    from kinds as k
    where k.stage_kind in ('won', 'lost')

),

funnel_won as (  -- the funnel's won row

    select
        coalesce((select stage from won_name), 'won') as stage,
        'won_row' as stage_kind,
        cast(coalesce((select max(stage_order) from open_ordered), 0) + 1 as integer) as stage_order,
        1.0 as probability,
        'closed stage' as probability_source,
        cast(null as {{ dbt.type_string() }}) as order_source

)

select stage, stage_kind, stage_order, probability, probability_source, order_source from open_stages
union all
select stage, stage_kind, stage_order, probability, probability_source, order_source from closed_stages
union all
select stage, stage_kind, stage_order, probability, probability_source, order_source from funnel_won
