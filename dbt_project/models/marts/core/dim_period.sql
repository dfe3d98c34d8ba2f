-- Period grain: every month, quarter and year whose days are all in dim_date, with what reports and code
-- need to know about it (macros/periods.sql, the one definition of a period's end, label and status).
-- Workdays are China's official ones (dim_date.is_workday); workdays_elapsed counts those on or before the
-- as-of date, so run-rate projections and "days left" read here instead of recounting dim_date.

{% set period_types = ['month', 'quarter', 'year'] %}

with

dates as (

    select date, is_workday, calendar_source from {{ ref('dim_date') }}

),

counted as (

    {% for period_type in period_types %}
    select
        '{{ period_type }}' as period_type,
        {{ period_start(period_type, 'date') }} as period_start,
        count(*) as days_present,
        sum(case when is_workday then 1 else 0 end) as workdays_in_period,
        sum(case when is_workday and date <= {{ as_of_date() }} then 1 else 0 end) as workdays_elapsed,
        sum(case when calendar_source = 'chinese_calendar' then 0 else 1 end) as weekends_only_days
    from dates
    group by 1, 2
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        period_type,
        period_start,
        {{ period_end('period_type', 'period_start') }} as period_end,
        {{ period_label('period_type', 'period_start') }} as period_label,
        cast(days_present as integer) as days_in_period,
        cast(workdays_in_period as integer) as workdays_in_period,
        cast(workdays_elapsed as integer) as workdays_elapsed,
        weekends_only_days = 0 as is_official_calendar,
        {{ period_status('period_start', period_end('period_type', 'period_start')) }} as period_status

    from counted
    -- a period at the edge of the calendar with days missing would under-count its workdays: left out
    where days_present = {{ dbt.datediff('period_start', period_end('period_type', 'period_start'), 'day') }} + 1

)

select * from final
