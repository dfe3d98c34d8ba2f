-- Customer satisfaction (客户满意度) per period (month, quarter, year) x level (company, region, rep):
-- responses, average score (1-5), satisfied (>= process.yml's high_score, 4) and dissatisfied (<= low_score, 2)
-- shares, the change of the average against the previous period (trend), and the link to repeat orders:
-- of the surveys whose reorder window (reorder_window_days, 180) has passed by the as-of date, the share of
-- dissatisfied and of satisfied customers who ordered again within it (the day after the survey to the
-- 180th day). A survey's region is its rep's, else its customer's.

with

settings as (

    select reorder_window_days, low_score, high_score from {{ ref('stg_config__process_settings') }}

),

surveys as (

    select s.survey_id, s.customer_id, s.rep_id, s.survey_date, cast(s.score as double) as score,
           coalesce(r.region, c.region, '未分配') as region
    from {{ ref('stg_raw__surveys') }} as s
    left join {{ ref('stg_raw__reps') }} as r on r.rep_id = s.rep_id
    left join {{ ref('stg_raw__customers') }} as c on c.customer_id = s.customer_id
    where s.survey_date <= {{ as_of_date() }} and s.score is not null

),

events as (  -- each survey and its customer's order days, in date order (orders first on a day)

    select customer_id, survey_date as event_date, 1 as kind, survey_id from surveys
    union all
    select d.customer_id, d.order_date, 0, cast(null as {{ dbt.type_string() }})
    from {{ ref('int_customer_order_days') }} as d
    where d.customer_id in (select customer_id from surveys)

),

next_orders as (

    select
        survey_id,
        min(case when kind = 0 then event_date end) over (
            partition by customer_id order by event_date, kind
            rows between 1 following and unbounded following
        ) as next_order_date
    from events

),

scored as (

    select
        s.*,
        s.score <= cfg.low_score as is_dissatisfied,
        s.score >= cfg.high_score as is_satisfied,
        {{ plus_days('s.survey_date', 'cfg.reorder_window_days') }} <= {{ as_of_date() }} as window_complete,
        n.next_order_date is not null
            and n.next_order_date <= {{ plus_days('s.survey_date', 'cfg.reorder_window_days') }} as reordered
    from surveys as s
    cross join settings as cfg
    inner join next_orders as n on n.survey_id = s.survey_id

),

units as (

    select survey_id, 'company' as level, '' as key from surveys
    union all
    select survey_id, 'region', region from surveys
    union all
    select survey_id, 'rep', rep_id from surveys where rep_id is not null

),

period_types as (

    {{ process_period_types() }}

),

aggregated as (

    select
        p.period_type,
        {{ period_start_of('p.period_type', 's.survey_date') }} as period_start,
        u.level,
        u.key,
        count(*) as response_count,
        avg(s.score) as avg_score,
        sum(case when s.is_satisfied then 1 else 0 end) as satisfied_count,
        sum(case when s.is_dissatisfied then 1 else 0 end) as dissatisfied_count,
        sum(case when s.window_complete and s.is_dissatisfied then 1 else 0 end) as dissatisfied_with_window,
        sum(case when s.window_complete and s.is_dissatisfied and s.reordered then 1 else 0 end)
            as dissatisfied_reordered,
        sum(case when s.window_complete and s.is_satisfied then 1 else 0 end) as satisfied_with_window,
        sum(case when s.window_complete and s.is_satisfied and s.reordered then 1 else 0 end)
            as satisfied_reordered
    from scored as s
    inner join units as u on u.survey_id = s.survey_id
    cross join period_types as p
    group by 1, 2, 3, 4

),

with_previous as (

    select
        a.*,
        case a.period_type
            when 'month' then cast({{ dbt.dateadd('month', -1, 'a.period_start') }} as date)
            when 'quarter' then cast({{ dbt.dateadd('month', -3, 'a.period_start') }} as date)
            else cast({{ dbt.dateadd('month', -12, 'a.period_start') }} as date)
        end as previous_period_start
    from aggregated as a

)

select
    a.period_type,
    a.period_start,
    {{ period_end('a.period_type', 'a.period_start') }} as period_end,
    {{ period_label('a.period_type', 'a.period_start') }} as period_label,
    a.level,
    a.key,
    cast(a.response_count as bigint) as response_count,
    a.avg_score,
    cast(a.satisfied_count as bigint) as satisfied_count,
    cast(a.dissatisfied_count as bigint) as dissatisfied_count,
    {{ safe_ratio('a.satisfied_count', 'a.response_count') }} as satisfied_share,
    {{ safe_ratio('a.dissatisfied_count', 'a.response_count') }} as dissatisfied_share,
    b.avg_score as previous_avg_score,
    a.avg_score - b.avg_score as avg_score_change,
    cast(a.dissatisfied_with_window as bigint) as dissatisfied_with_window,
    cast(a.dissatisfied_reordered as bigint) as dissatisfied_reordered,
    {{ safe_ratio('a.dissatisfied_reordered', 'a.dissatisfied_with_window') }} as dissatisfied_reorder_rate,
    cast(a.satisfied_with_window as bigint) as satisfied_with_window,
    cast(a.satisfied_reordered as bigint) as satisfied_reordered,
    {{ safe_ratio('a.satisfied_reordered', 'a.satisfied_with_window') }} as satisfied_reorder_rate
from with_previous as a
left join aggregated as b
    on b.period_type = a.period_type
    and b.period_start = a.previous_period_start
    and b.level = a.level
    and b.key = a.key
