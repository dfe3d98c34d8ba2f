-- Money traceability: the allocated shares of every return add up to exactly its amount, and every
-- return of staging is allocated. Returns the offending returns.
-- Reported in Dagster as an asset check on int_returns_allocated (a singular test with several refs needs to be told which).
{{ config(meta={'dagster': {'ref': {'name': 'int_returns_allocated'}}}) }}

with

returns as (

    select return_id, amount from {{ ref('stg_raw__returns') }}

),

allocated as (

    select return_id, sum(allocated_amount) as allocated_amount
    from {{ ref('int_returns_allocated') }}
    group by all

)

select
    returns.return_id,
    returns.amount,
    allocated.allocated_amount
from returns
left join allocated on returns.return_id = allocated.return_id
where allocated.allocated_amount is null
    or allocated.allocated_amount <> returns.amount
