-- Day grain. China's official calendar comes from raw.calendar_days (ingestion/calendar.py:
-- chinese-calendar for the years it covers, a weekends-only fallback for other years). Days the raw
-- calendar lacks but the warehouse needs (every year from the first order or target to the end of
-- the as-of year) are filled here the same weekends-only way, so every order date has a dim_date row.

with

calendar_days as (

    select * from {{ ref('stg_raw__calendar_days') }}

),

bounds as (

    select
        least(
            (select min(date) from calendar_days),
            (select {{ period_start('year', 'min(order_date)') }} from {{ ref('int_order_lines_enriched') }}),
            (select {{ period_start('year', 'min(period_start)') }} from {{ ref('int_targets_rolled_up') }}),
            {{ period_start('year', as_of_date()) }}
        )::date as first_day,
        greatest(
            (select max(date) from calendar_days),
            (select {{ period_end_of('year', 'max(order_date)') }} from {{ ref('int_order_lines_enriched') }}),
            (select {{ period_end_of('year', 'max(period_start)') }} from {{ ref('int_targets_rolled_up') }}),
            {{ period_end_of('year', as_of_date()) }}
        )::date as last_day

),

all_days as (

    select cast(generate_series as date) as date
    from bounds, generate_series(bounds.first_day, bounds.last_day, interval 1 day)

),

days as (

    select
        all_days.date,
        coalesce(calendar_days.is_workday, isodow(all_days.date) <= 5) as is_workday,
        calendar_days.holiday_name,
        coalesce(calendar_days.calendar_source, 'weekends_only_gap_fill') as calendar_source
    from all_days
    left join calendar_days on all_days.date = calendar_days.date

),

final as (

    select
        date,
        year(date) as year,
        quarter(date) as quarter,
        month(date) as month,
        isoyear(date) as iso_year,
        weekofyear(date) as iso_week,
        day(date) as day_of_month,
        isodow(date) as day_of_week,
        dayname(date) as day_name,
        isodow(date) >= 6 as is_weekend,
        is_workday,
        holiday_name,
        calendar_source,
        {{ period_start('month', 'date') }} as month_start,
        {{ period_start('quarter', 'date') }} as quarter_start,
        {{ period_start('year', 'date') }} as year_start,
        {{ period_label("'month'", 'date') }} as month_label,
        {{ period_label("'quarter'", 'date') }} as quarter_label

    from days

)

select * from final
