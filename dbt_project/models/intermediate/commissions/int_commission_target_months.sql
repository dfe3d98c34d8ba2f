-- Each rep's target month by month, as the commission engine reads it (docs/contract.md section 3
-- "Target"; docs/commissions.md "Targets of a plan period"), grain: rep x month. Plan-period targets are
-- sums over these months x the month's factor (int_commission_period_months).
-- target_source:
--   manual_month    a manual rep target for the month, as given;
--   manual_quarter  a manual rep target for the quarter holding the month, less the manual months inside
--                   it, spread over its other months;
--   manual_year     a manual rep target for the year, less the months already set above, spread over the
--                   year's other months;
--   suggested       otherwise the plan year's month target of fct_targets (the targets.yml policy).
-- A manual quarter or year is spread by the policy's seasonality (int_target_seasonality) in the plan year
-- of config/targets.yml, equally in other years or without the file, in whole cents by the largest
-- remainder, so its months add up to it exactly. It is spread over ALL its months, employed or not: what
-- counts of each month is the factor's business, so a quarter-only target and the same target given as
-- three equal months give a new hire the same plan target.
-- employment_in_target: the policy's suggestions are already prorated to the days employed (0 outside
-- employment, docs/targets_and_scorecards.md "Employment"), so the factor does not prorate them again.
-- Months without any target have no row: they contribute nothing.

with

manual as (

    select key as rep_id, period_type, period_start,
           cast(round({{ money_times('target_amount', '100') }}) as bigint) as cents
    from {{ ref('stg_raw__targets') }}
    where level = 'rep' and key <> '' and period_type is not null and target_amount is not null

),

seasonality as (

    select month_start, seasonality_share from {{ ref('int_target_seasonality') }}

),

offsets as (

    {{ month_offsets() }}

),

-- the months of every manual quarter and year
period_months as (

    select
        manual.rep_id,
        manual.period_type,
        manual.period_start,
        manual.cents as period_cents,
        cast({{ dbt.dateadd('month', 'offsets.month_offset', 'manual.period_start') }} as date) as month_start
    from manual
    inner join offsets
        on offsets.month_offset < case manual.period_type when 'quarter' then 3 else 12 end
    where manual.period_type in ('quarter', 'year')

),

given_months as (

    select rep_id, period_start as month_start, cents, 'manual_month' as target_source
    from manual
    where period_type = 'month'

),

{% for period_type, fixed in [('quarter', 'given_months'), ('year', 'quarter_fixed')] %}
{{ period_type }}_pools as (

    select
        free.rep_id,
        free.period_start,
        free.month_start,
        greatest(0, free.period_cents - coalesce(fixed_sum.cents, 0)) as pool,
        cast(coalesce(seasonality.seasonality_share, 1) as double) as w
    from period_months as free
    left join (
        select period_months.rep_id, period_months.period_start, sum(fixed.cents) as cents
        from period_months
        inner join {{ fixed }} as fixed
            on fixed.rep_id = period_months.rep_id and fixed.month_start = period_months.month_start
        where period_months.period_type = '{{ period_type }}'
        group by period_months.rep_id, period_months.period_start
    ) as fixed_sum
        on fixed_sum.rep_id = free.rep_id and fixed_sum.period_start = free.period_start
    left join seasonality on seasonality.month_start = free.month_start
    where free.period_type = '{{ period_type }}'
        and not exists (
            select 1 from {{ fixed }} as fixed
            where fixed.rep_id = free.rep_id and fixed.month_start = free.month_start
        )

),

{{ period_type }}_spread as (

    {{ allocate_cents(period_type ~ '_pools', 'rep_id, period_start', 'month_start') }}

),

{{ period_type }}_fixed as (

    select rep_id, month_start, cents, target_source from {{ fixed }}
    union all
    select rep_id, month_start, alloc_cents as cents, 'manual_{{ period_type }}' as target_source
    from {{ period_type }}_spread

),

{% endfor %}

suggested as (

    select targets.key as rep_id, targets.period_start as month_start,
           cast(round({{ money_times('targets.target_amount', '100') }}) as bigint) as cents, 'suggested' as target_source
    from {{ ref('fct_targets') }} as targets
    where targets.level = 'rep' and targets.period_type = 'month' and targets.is_plan_year
        and not exists (
            select 1 from year_fixed
            where year_fixed.rep_id = targets.key and year_fixed.month_start = targets.period_start
        )

),

final as (

    select
        rep_id,
        month_start,
        cast(cast(cents as decimal(18, 0)) * 0.01 as decimal(18, 2)) as month_target_amount,
        target_source,
        target_source = 'suggested' as employment_in_target
    from (
        select * from year_fixed
        union all
        select * from suggested
    ) as months

)

select * from final
