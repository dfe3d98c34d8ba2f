{{ config(severity='warn') }}
-- Without double counting, the company's actual equals the sum over regions and over product lines
-- in every period. A difference means lines whose rep or product is unknown (orphans in the exports):
-- reported as a warning, since the exports' referential integrity is outside the warehouse's control.

with

attainment as (

    select * from {{ ref('fct_attainment') }}

),

company as (

    select period_type, period_start, actual_amount
    from attainment
    where level = 'company'

),

by_level as (

    select period_type, period_start, level, sum(actual_amount) as actual_amount
    from attainment
    where level in ('region', 'product_line')
    group by all

)

select
    company.period_type,
    company.period_start,
    by_level.level,
    company.actual_amount as company_actual_amount,
    by_level.actual_amount as level_actual_amount
from company
inner join by_level
    on company.period_type = by_level.period_type
    and company.period_start = by_level.period_start
where company.actual_amount <> by_level.actual_amount
