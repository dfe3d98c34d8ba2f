-- Bottlenecks of the funnel per quarter and year, for each team and region and the company: the open stage
-- with the largest drop (lowest stage_conversion_rate: most deals lost of those leaving it) and the stage
-- with the longest median time in stage, each beside the company's figure for the same stage and the
-- company's own bottleneck. Stages with fewer than 5 deals leaving them in the period are not judged.

{% set min_exits = 5 %}

with

funnel as (

    select
        period_type,
        period_start,
        period_label,
        level,
        key,
        stage,
        stage_order,
        advanced_count + lost_count as exits,
        stage_conversion_rate,
        median_days_in_stage
    from {{ ref('fct_funnel') }}
    where breakdown = 'all'
        and stage_kind = 'open'
        and period_type in ('quarter', 'year')
        and level in ('company', 'region', 'team')
        and advanced_count + lost_count >= {{ min_exits }}

),

candidates as (

    select
        f.*,
        'drop' as bottleneck_kind,
        1 - f.stage_conversion_rate as value,
        row_number() over (
            partition by f.period_type, f.period_start, f.level, f.key
            order by f.stage_conversion_rate, f.stage_order
        ) as rk
    from funnel as f
    where f.stage_conversion_rate is not null
    union all
    select
        f.*,
        'time' as bottleneck_kind,
        f.median_days_in_stage as value,
        row_number() over (
            partition by f.period_type, f.period_start, f.level, f.key
            order by f.median_days_in_stage desc, f.stage_order
        ) as rk
    from funnel as f
    where f.median_days_in_stage is not null

),

worst as (

    select * from candidates where rk = 1

),

company_values as (

    select period_type, period_start, stage, bottleneck_kind, value
    from candidates
    where level = 'company'

)

select
    w.period_type,
    w.period_start,
    w.period_label,
    w.level,
    w.key,
    w.bottleneck_kind,
    w.stage,
    cast(w.stage_order as integer) as stage_order,
    w.value,
    c.value as company_value,
    w.value - c.value as difference_from_company,
    cast(w.exits as bigint) as exits,
    cw.stage as company_bottleneck_stage,
    coalesce(w.value > c.value, false) as is_worse_than_company
from worst as w
left join company_values as c
    on c.period_type = w.period_type
    and c.period_start = w.period_start
    and c.stage = w.stage
    and c.bottleneck_kind = w.bottleneck_kind
left join worst as cw
    on cw.period_type = w.period_type
    and cw.period_start = w.period_start
    and cw.level = 'company'
    and cw.bottleneck_kind = w.bottleneck_kind
