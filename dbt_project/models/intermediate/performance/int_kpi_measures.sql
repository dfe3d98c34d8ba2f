-- KPI numerators and denominators per rep and period, grain: rep_id x period_type x period_start x kpi.
-- Periods: every month, quarter and year from the start of the year before the as-of year up to the
-- as-of date. value = numerator / denominator (growth: numerator / denominator - 1; counts: numerator).
--   sales_attainment       actual / target (fct_attainment, rep level, with credit)
--   sales_growth_yoy|pop   actual / actual of the same period a year earlier | of the previous period, - 1
--   customer_satisfaction  average survey score (surveys naming the rep)
--   new_customers          customers whose first creditable order line falls in the period, on that line's rep
--   visits                 activities of type visit
--   win_rate               won / (won + lost) opportunities closed in the period (owner rep)
--   collection_rate        payments received in the period (fct_collections' attribution, int_payments_attributed:
--                          the paid order's rep, else the customer's owner), whether or not the rep sold in
--                          the period / actual sales of the period (NULL without sales; the numerator stays)
--   gross_margin           credited (net - cost) / credited net, lines with a known cost
-- Managers are scored on their direct reports plus themselves: the numerators and denominators are
-- summed before dividing.

{% set period_types = ['month', 'quarter', 'year'] %}

with

reps as (

    select * from {{ ref('stg_raw__reps') }}

),

periods as (

    {% for period_type in period_types %}
    select distinct '{{ period_type }}' as period_type, {{ period_start(period_type, 'date') }} as period_start
    from {{ ref('dim_date') }}
    where date between make_date(year({{ as_of_date() }}) - 1, 1, 1) and {{ as_of_date() }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

attainment as (

    select period_type, period_start, key as rep_id, actual_amount, target_amount
    from {{ ref('fct_attainment') }}
    where level = 'rep'

),

monthly_events as (

    -- month-grain counts and sums, rolled up to quarters and years below
    select rep_id, {{ period_start('month', 'survey_date') }} as month, 'customer_satisfaction' as kpi,
           sum(score) as numerator, count(*) as denominator
    from {{ ref('stg_raw__surveys') }} where rep_id is not null group by all
    union all
    select rep_id, first_month, 'new_customers', count(*), 1
    from (
        select customer_id, arg_min(rep_id, order_date) as rep_id, min(order_month) as first_month
        from {{ ref('int_order_lines_enriched') }} where is_creditable group by customer_id
    ) group by all
    union all
    select rep_id, {{ period_start('month', 'activity_date') }}, 'visits', count(*), 1
    from {{ ref('stg_raw__activities') }} where activity_type = 'visit' group by all
    union all
    select owner_rep_id, {{ period_start('month', 'closed_date') }}, 'win_rate',
           count(*) filter (where status = 'won'), count(*)
    from {{ ref('stg_raw__opportunities') }}
    where status in ('won', 'lost') and closed_date is not null and owner_rep_id is not null group by all
    union all
    select rep_id, payment_month, 'collection_payments', sum(amount), 1
    from {{ ref('int_payments_attributed') }}
    where rep_id is not null and not is_after_as_of  -- money not received yet by the as-of date does not count
    group by all
    union all
    select rep_id, order_month, 'gross_margin', sum(credited_gross_margin_amount),
           sum(credited_amount) filter (where credited_gross_margin_amount is not null)
    from {{ ref('int_sales_credited') }} group by all

),

events as (

    {% for period_type in period_types %}
    select rep_id, '{{ period_type }}' as period_type, {{ period_start(period_type, 'month') }} as period_start, kpi,
           sum(numerator) as numerator, sum(denominator) as denominator
    from monthly_events group by all
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

rep_measures as (

    select a.rep_id, a.period_type, a.period_start, 'sales_attainment' as kpi,
           a.actual_amount as numerator, a.target_amount as denominator
    from attainment as a
    union all
    select a.rep_id, a.period_type, a.period_start, 'sales_growth_yoy', a.actual_amount, prior.actual_amount
    from attainment as a
    left join attainment as prior
        on prior.rep_id = a.rep_id and prior.period_type = a.period_type
        and prior.period_start = a.period_start - interval 1 year
    union all
    select a.rep_id, a.period_type, a.period_start, 'sales_growth_pop', a.actual_amount, prior.actual_amount
    from attainment as a
    left join attainment as prior
        on prior.rep_id = a.rep_id and prior.period_type = a.period_type
        and prior.period_start = a.period_start - {{ period_length('a.period_type') }}
    union all
    -- collections and sales are separate rows, summed per rep and period below: a payment received in a
    -- period when the rep sold nothing (no attainment row) still counts in the numerator
    select rep_id, period_type, period_start, 'collection_rate', numerator, 0
    from events where kpi = 'collection_payments'
    union all
    select a.rep_id, a.period_type, a.period_start, 'collection_rate', 0, a.actual_amount
    from attainment as a
    union all
    select rep_id, period_type, period_start, kpi, numerator, denominator
    from events where kpi <> 'collection_payments'

),

exact_measures as (

    select rep_id, period_type, period_start, kpi,
           cast(numerator as decimal(38, 6)) as numerator, cast(denominator as decimal(38, 6)) as denominator
    from rep_measures

),

scored_reps as (

    -- who is scored, and whose measures count for them (a manager: direct reports and self)
    select reps.rep_id, reps.role, members.rep_id as member_id
    from reps
    inner join reps as members
        on members.rep_id = reps.rep_id or (reps.role <> 'rep' and members.manager_id = reps.rep_id)
    where reps.role in (select role from {{ ref('stg_config__scorecard_kpis') }})

)

-- Sums in DECIMAL (exact, so a re-run gives identical values whatever the summation order).
select
    scored_reps.rep_id,
    scored_reps.role,
    periods.period_type,
    periods.period_start,
    kpis.kpi,
    cast(sum(rep_measures.numerator) as double) as numerator,
    cast(sum(rep_measures.denominator) as double) as denominator,
    case
        when kpis.kpi in ('new_customers', 'visits') then cast(coalesce(sum(rep_measures.numerator), 0) as double)
        when sum(rep_measures.denominator) is null or sum(rep_measures.denominator) = 0 then null
        when kpis.kpi like 'sales_growth_%'
            then cast(sum(rep_measures.numerator) as double) / cast(sum(rep_measures.denominator) as double) - 1
        else cast(sum(rep_measures.numerator) as double) / cast(sum(rep_measures.denominator) as double)
    end as value
from scored_reps
inner join {{ ref('stg_config__scorecard_kpis') }} as kpis on kpis.role = scored_reps.role
cross join periods
left join exact_measures as rep_measures
    on rep_measures.rep_id = scored_reps.member_id and rep_measures.kpi = kpis.kpi
    and rep_measures.period_type = periods.period_type and rep_measures.period_start = periods.period_start
where periods.period_type in (select period_type from {{ ref('stg_config__scorecard_period_types') }})
group by scored_reps.rep_id, scored_reps.role, periods.period_type, periods.period_start, kpis.kpi
