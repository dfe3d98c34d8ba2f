-- The rep-months the training comparison may use, with their outcomes: months before the as-of month,
-- the rep employed the whole month and past the first process.yml training.ramp_months (3) months after hire
-- (a new hire's sales climb whether trained or not). Outcomes:
--   net_sales:  the month's attainment actual (fct_attainment, level rep: credited net sales less returns of
--               the month);
--   attainment: actual / target (NULL without a target);
--   win_rate:   won / (won + lost) of the rep's deals closed in the month (NULL when none closed).

with

settings as (

    select training_ramp_months from {{ ref('stg_config__process_settings') }}

),

reps as (

    select rep_id, hire_date, termination_date from {{ ref('stg_raw__reps') }}

),

months as (

    select a.key as rep_id, a.period_start as month_start, a.period_end as month_end, a.actual_amount,
           a.attainment_pct
    from {{ ref('fct_attainment') }} as a
    where a.period_type = 'month' and a.level = 'rep' and a.period_start < {{ period_start('month', as_of_date()) }}

),

deals as (

    select
        owner_rep_id as rep_id,
        {{ period_start('month', 'closed_on') }} as month_start,
        sum(case when status = 'won' then 1 else 0 end) as won,
        count(*) as closed
    from {{ ref('int_opportunities_enriched') }}
    where closed_on is not null and owner_rep_id is not null
    group by 1, 2

)

select
    m.rep_id,
    m.month_start,
    cast(m.actual_amount as double) as net_sales,
    cast(m.attainment_pct as double) as attainment,
    {{ safe_ratio('d.won', 'd.closed') }} as win_rate
from months as m
inner join reps as r on r.rep_id = m.rep_id
cross join settings as cfg
left join deals as d on d.rep_id = m.rep_id and d.month_start = m.month_start
where r.hire_date <= m.month_start
    and (r.termination_date is null or r.termination_date >= m.month_end)
    and m.month_start >= cast({{ dbt.dateadd('month', 'cfg.training_ramp_months', period_start('month', 'r.hire_date')) }} as date)
