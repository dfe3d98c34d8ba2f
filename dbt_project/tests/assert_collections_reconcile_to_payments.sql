-- Collections reconcile to the cent (issue 13): every accepted payment is in fct_collections exactly once
-- (Σ and count equal stg_raw__payments), and as of the as-of date the payments naming a known order equal
-- what fct_receivables collected. Returns the failing comparisons.

with

payments as (

    select count(*) as n, coalesce(sum(amount), 0) as amount from {{ ref('stg_raw__payments') }}

),

collections as (

    select
        count(*) as n,
        coalesce(sum(collected_amount), 0) as amount,
        coalesce(sum(case when is_order_found and not is_after_as_of then collected_amount else 0 end), 0)
            as applied_by_as_of
    from {{ ref('fct_collections') }}

),

receivables as (

    select coalesce(sum(collected_amount), 0) as collected from {{ ref('fct_receivables') }}

)

select 'payment count' as what, payments.n as expected, collections.n as found
from payments cross join collections where payments.n <> collections.n
union all
select 'payment amount', payments.amount, collections.amount
from payments cross join collections where payments.amount <> collections.amount
union all
select 'collected on orders by as-of', collections.applied_by_as_of, receivables.collected
from collections cross join receivables where collections.applied_by_as_of <> receivables.collected
